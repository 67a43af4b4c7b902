"""A real export with the defects of OHDSI's GiBleed dataset, built from tests/fixtures/synthea27nj.

GiBleed (EunomiaDatasets, ETL-Synthea, CDM v5.3, 2,694 persons) could not be committed: its
zip is too large for the snapshot prescreen's fixtures come from. Its two defects are
injected into the real Synthea27Nj export the way GiBleed has them:

- observation_period: about half the rows name persons who are not in person (the person
  table was subset, the periods were not): here one extra period per person, under a
  person id that does not exist, copied from a real period;
- drug_exposure_id and measurement_id repeat across *different* persons (GiBleed: 4,384
  drug ids used twice, 13 % of drug exposures; 10 % of measurements): here every 15th drug
  exposure (every 20th measurement) of the file's first half lends its id to the row half
  a file later, another person's (about 7 % and 5 % of the rows share an id).
It is also made to look like v5.3: the visit columns carry their v5.3 names. And it gets what
GiBleed's vocabulary has and the trimmed Synthea27Nj lacks: CONCEPT_ANCESTOR rows, here the
self row (levels 0) of every standard concept of its CONCEPT table, as every OMOP vocabulary
release holds them.
Files stay upper-case; the three changed files are rewritten by Python's csv module
(same values), the others are copied byte for byte.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

SYNTHEA = Path(__file__).parent / "fixtures" / "synthea27nj"
V53_VISIT_NAMES = {
    "admitted_from_concept_id": "admitting_source_concept_id",
    "admitted_from_source_value": "admitting_source_value",
    "discharged_to_concept_id": "discharge_to_concept_id",
    "discharged_to_source_value": "discharge_to_source_value",
}


def gibleed_like(folder: Path) -> dict[str, int]:
    """Write the extract into `folder`; returns the counts of injected defect rows."""
    shutil.copytree(SYNTHEA, folder)
    orphans = _orphan_periods(folder / "OBSERVATION_PERIOD.csv")
    drugs = _repeat_ids(folder / "DRUG_EXPOSURE.csv", every=15)
    measurements = _repeat_ids(folder / "MEASUREMENT.csv", every=20)
    _rename_header(folder / "VISIT_OCCURRENCE.csv", V53_VISIT_NAMES)
    _self_ancestors(folder / "CONCEPT.csv", folder / "CONCEPT_ANCESTOR.csv")
    return {
        "orphan_periods": orphans,
        "drug_rows_sharing_an_id": drugs,
        "measurement_rows_sharing_an_id": measurements,
    }


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    return rows[0], rows[1:]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *rows])
    path.write_text(out.getvalue(), encoding="utf-8")


def _orphan_periods(path: Path) -> int:
    header, rows = _read(path)
    next_id = max(int(r[0]) for r in rows) + 1
    orphans = []
    for n, row in enumerate(rows):
        orphan = list(row)
        orphan[0], orphan[1] = str(next_id + n), str(900_000 + n)  # no such person
        orphans.append(orphan)
    _write(path, header, [r for pair in zip(rows, orphans, strict=True) for r in pair])
    return len(orphans)


def _repeat_ids(path: Path, every: int) -> int:
    """Every `every`-th row lends its id to the row half a file away, another person's row.

    The files are sorted by person, so the row half a file away belongs to someone else.
    """
    header, rows = _read(path)
    half, touched, sharing = len(rows) // 2, set(), 0
    for n in range(0, half, every):
        m = n + half
        if rows[n][1] != rows[m][1] and not {n, m} & touched:
            rows[m][0] = rows[n][0]
            touched |= {n, m}
            sharing += 2
    _write(path, header, rows)
    return sharing


def _rename_header(path: Path, names: dict[str, str]) -> None:
    header, rows = _read(path)
    _write(path, [names.get(c, c) for c in header], rows)


def _self_ancestors(concepts: Path, ancestors: Path) -> None:
    header, rows = _read(concepts)
    cid, std = header.index("concept_id"), header.index("standard_concept")
    names = ["ancestor_concept_id", "descendant_concept_id", "min_levels_of_separation",
             "max_levels_of_separation"]  # fmt: skip
    _write(ancestors, names, [[r[cid], r[cid], "0", "0"] for r in rows if r[std] == "S"])
