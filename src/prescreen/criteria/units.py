"""Unit conversion: an explicit table of UCUM units, never a guess.

Each unit belongs to one dimension and has a factor to that dimension's base unit, so
a value in unit `a` equals `value * factor(a, b)` in unit `b` when both share a dimension.
Conversions that depend on the analyte (hemoglobin mmol/L → g/L, creatinine mg/dL →
µmol/L) are not here: a rule states them with `convert:`.
"""

from __future__ import annotations

from prescreen.criteria.model import Conversion

# unit -> (dimension, factor to the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {
    # mass concentration, base g/L
    "g/L": ("mass_conc", 1.0),
    "g/dL": ("mass_conc", 10.0),
    "mg/dL": ("mass_conc", 0.01),
    "mg/L": ("mass_conc", 0.001),
    # substance concentration, base mmol/L
    "mmol/L": ("molar_conc", 1.0),
    "umol/L": ("molar_conc", 0.001),
    # cell counts, base 10*9/L
    "10*9/L": ("count_conc", 1.0),
    "10*3/uL": ("count_conc", 1.0),
    "10*3/mm3": ("count_conc", 1.0),
    "/uL": ("count_conc", 0.001),
    "/mm3": ("count_conc", 0.001),
    "10*6/L": ("count_conc", 0.001),
    # catalytic concentration, base U/L (1 ukat/L = 60 U/L)
    "U/L": ("catalytic_conc", 1.0),
    "[U]/L": ("catalytic_conc", 1.0),  # OMOP's UCUM spelling of U/L (concept 8645)
    "IU/L": ("catalytic_conc", 1.0),
    "[IU]/L": ("catalytic_conc", 1.0),
    "[iU]/L": ("catalytic_conc", 1.0),  # OMOP's UCUM spelling of IU/L (concept 8923)
    "ukat/L": ("catalytic_conc", 60.0),
    # pressure, base mm[Hg] (1 kPa = 7.50062 mmHg)
    "mm[Hg]": ("pressure", 1.0),
    "mmHg": ("pressure", 1.0),
    "kPa": ("pressure", 7.50062),
    # area, base cm2
    "cm2": ("area", 1.0),
    "mm2": ("area", 0.01),
    # fractions
    "%": ("percent", 1.0),
    "mmol/mol": ("mmol_per_mol", 1.0),
    # dimensionless: an empty unit, {ratio} and 1 are the same thing
    "": ("dimensionless", 1.0),
    "1": ("dimensionless", 1.0),
    "{ratio}": ("dimensionless", 1.0),
    "{score}": ("dimensionless", 1.0),
    "[score]": ("dimensionless", 1.0),  # OMOP's UCUM score (concept 44777566)
    # durations (parameters only)
    "days": ("time", 1.0),
    "weeks": ("time", 7.0),
    "months": ("time_months", 1.0),
    "years": ("time_months", 12.0),
}


# lower-case spelling -> the table's spelling: recorded units are matched case-insensitively
# (OMOP ETLs write g/dl, MG/DL, mmhg); units that differ only in case are the same unit
# ([IU]/L and [iU]/L), so the first spelling stands for both
_BY_LOWER: dict[str, str] = {}
for _unit in _UNITS:
    _first = _BY_LOWER.setdefault(_unit.lower(), _unit)
    assert _UNITS[_first] == _UNITS[_unit], f"{_first} and {_unit} differ only in case"


def canonical(recorded: str | None) -> str | None:
    """The table's spelling of a recorded unit ('g/dl' -> 'g/dL'), or None if unknown."""
    if recorded is None:
        return ""
    return _BY_LOWER.get(recorded.strip().lower())


def recorded_units() -> list[str]:
    """Units a measurement may carry (durations are for parameters only)."""
    return sorted(u for u, (dim, _) in _UNITS.items() if not dim.startswith("time"))


def known_units() -> list[str]:
    """Every unit a criteria file may name, for `criteria check` messages."""
    return sorted(u for u in _UNITS if u)


def is_known(unit: str) -> bool:
    return unit in _UNITS


def factor(from_unit: str | None, to_unit: str | None) -> float | None:
    """Multiplier from `from_unit` to `to_unit`, or None when they cannot be converted.

    A missing unit (None) counts as dimensionless, as does a predicate without a unit.
    """
    source = _UNITS.get(from_unit or "")
    target = _UNITS.get(to_unit or "")
    if source is None or target is None or source[0] != target[0]:
        return None
    return source[1] / target[1]


def conversions_to(
    target: str | None, extra: tuple[Conversion, ...] = ()
) -> tuple[Conversion, ...]:
    """Every recorded unit convertible to `target` (rule `convert:` wins), sorted by unit.

    An empty unit stands for a missing one; it converts only to dimensionless targets.
    """
    table = {
        u: Conversion(u, f) for u in recorded_units() + [""] if (f := factor(u, target)) is not None
    }
    table.update({c.unit: c for c in extra})
    return tuple(table[u] for u in sorted(table))
