"""pip install prints no setuptools deprecation warnings (issue #14.5).

setuptools warned about two things in pyproject.toml: a licence given as a table (use an
SPDX string) and data folders (sql/criteria, report/templates, …) that look like packages
but were not listed as such. Both are checked here on the configuration itself, every
folder that ships a file included, so a new sql/ subfolder cannot bring the warning back.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_licence_is_an_spdx_string():
    assert isinstance(_config()["project"]["license"], str)
    requires = _config()["build-system"]["requires"]
    assert any(r.replace(" ", "").startswith("setuptools>=77") for r in requires)  # SPDX needs it


def test_every_folder_with_packaged_files_is_a_listed_package():
    setuptools = _config()["tool"]["setuptools"]
    packages = set(setuptools["packages"])
    roots = {name: ROOT / folder for name, folder in setuptools["package-dir"].items()}
    roots.setdefault("prescreen", ROOT / "src" / "prescreen")
    for root_name, root in roots.items():
        for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
            if folder.name == "__pycache__" or not any(
                f.suffix in (".sql", ".j2", ".yaml", ".py") for f in folder.iterdir() if f.is_file()
            ):
                continue
            relative = folder.relative_to(root).parts
            name = ".".join((root_name, *relative))
            assert name in packages, f"{folder} ships files but {name} is not in packages"


def test_the_lowest_versions_checked_are_the_declared_lower_bounds():
    """`make test-lowest` runs the suite on requirements-lowest.txt; that shows the lower
    bounds true only while each of its lines is the bound pyproject.toml declares (for
    the dependencies and the dask extra)."""
    from packaging.requirements import Requirement
    from packaging.version import Version

    bounds = {}
    project = _config()["project"]
    for line in [*project["dependencies"], *project["optional-dependencies"]["dask"]]:
        requirement = Requirement(line)
        lower = [s.version for s in requirement.specifier if s.operator == ">="]
        assert len(lower) == 1, f"{line}: give exactly one lower bound (>=)"
        bounds[requirement.name.lower()] = Version(lower[0])
    pinned = {}
    lines = (ROOT / "requirements-lowest.txt").read_text(encoding="utf-8").splitlines()
    for line in lines:
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            pinned[name.strip().lower()] = Version(version.strip())
    assert pinned == bounds
