"""summary.json: the shared figures, machine-readable, with the run's provenance."""

from __future__ import annotations

from typing import Any

import pandas as pd

from prescreen.report.published import Published
from prescreen.report.suppression import COMPLEMENTARY, primary_mark


def _records(table: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    """Rows as dicts; published counts become ints, suppressed ones stay strings ('<5', '*')."""
    if table is None:
        return None
    return [{k: _value(v) for k, v in row.items()} for row in table.to_dict(orient="records")]


def _value(value: Any) -> Any:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return value


def summary(published: Published, trial: Any, provenance: dict[str, Any]) -> dict[str, Any]:
    """The summary document (no person-level data; every count protected as in the report)."""
    prov = {k: v for k, v in provenance.items() if k != "counts"}  # raw counts stay local
    return {
        "trial": {
            "id": trial.id,
            "title": trial.title,
            "version": trial.version,
            "registry_id": trial.registry_id,
        },
        "suppression": {
            "min_cell": published.min_cell,
            "primary_mark": primary_mark(published.min_cell),
            "complementary_mark": COMPLEMENTARY,
            "zero_published": True,
            "round_to": published.round_to,
            "method": published.protection,
        },
        "headline": {k: _value(v) for k, v in published.headline.items()},
        "funnel": _records(published.funnel),
        "sites": _records(published.sites),
        "evaluability": _records(published.evaluability),
        "sweep": _records(published.sweep),
        "assumptions": list(trial.assumptions),
        "provenance": prov,
    }
