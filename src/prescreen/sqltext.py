"""SQL files under `sql/` and the strict renderer that fills their `{{slots}}`.

Slots only ever receive engine-generated SQL (column lists, other files); values from
users are bound parameters. A slot left empty or a value given for no slot is a bug.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

SLOT_RE = re.compile(r"\{\{(\w+)\}\}")


@cache
def read_sql(relative: str) -> str:
    """The text of `sql/<relative>` as installed with the package."""
    resource = files("prescreen.sql")
    for part in relative.split("/"):
        resource = resource / part
    return resource.read_text(encoding="utf-8")


def render(template: str, **slots: str) -> str:
    """Fill every `{{slot}}`; missing or unused slots raise (templates render strictly)."""
    wanted = set(SLOT_RE.findall(template))
    given = set(slots)
    if wanted != given:
        raise RuntimeError(
            f"template slots mismatch: missing {sorted(wanted - given)}, unused {sorted(given - wanted)}"
        )
    return SLOT_RE.sub(lambda m: slots[m.group(1)], template)
