"""Every shareable figure of a screen, as it is shared: small counts protected.

The tables are built from one set of cells (shared_cells.py), protected in one pass so
no table undoes another: small-cell suppression (suppression.py) or, with `round_to`,
every count rounded up to a multiple of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from prescreen.report.labels import computable_ids, share
from prescreen.report.marts import FUNNEL_COUNTS, SITE_COUNTS, ReportCounts
from prescreen.report.shared_cells import SWEEP_COUNTS, TOTAL_SITE, CellKeys, Cells, shared_cells
from prescreen.report.suppression import primary_mark, suppressed_cells

__all__ = ["TOTAL_SITE", "Published", "published_tables", "round_up"]

FUNNEL_COLUMNS = ["step", "criterion_id", "kind", *FUNNEL_COUNTS, "label"]
SITE_COLUMNS = ["site", *SITE_COUNTS, "top_failing", "share_likely_eligible", "site_id"]
EVALUABILITY_COLUMNS = [
    "site",
    "criterion_id",
    "share_decided",
    "n_decided",
    "n_screened",
    "n_undecided",
]


@dataclass
class Published:
    """The tables as they are shared: counts as text (a number, `<k` or `*`)."""

    min_cell: int
    round_to: int
    headline: dict[str, str]
    funnel: pd.DataFrame
    sites: pd.DataFrame
    evaluability: pd.DataFrame
    sweep: pd.DataFrame | None
    top_failing: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def protection(self) -> str:
        """One sentence saying how small counts are protected, for every shared output."""
        if self.round_to:
            return (
                f"Every count is rounded up to a multiple of {self.round_to} "
                f"(1–{self.round_to} shows as {self.round_to}); zero is shown."
            )
        if self.min_cell == 1:
            return "Counts are not suppressed (--min-cell 1)."
        return (
            f"Counts from 1 to {self.min_cell - 1} are shown as {primary_mark(self.min_cell)}; "
            "* marks a count hidden so that a small one cannot be worked out from totals. "
            "Zero is shown."
        )


def published_tables(
    counts: ReportCounts,
    trial: Any,
    *,
    min_cell: int = 5,
    round_to: int = 0,
    sweep: pd.DataFrame | None = None,
) -> Published:
    """All shareable tables, small counts protected (suppressed, or rounded: `round_to`)."""
    cells, keys = shared_cells(counts, trial, sweep)
    shown = _shown(cells, min_cell, round_to)
    funnel = counts.funnel[["step", "criterion_id", "kind"]].copy()
    for col in FUNNEL_COUNTS:
        funnel[col] = [shown(keys.funnel[(step, col)]) for step in counts.funnel["step"]]
    funnel["label"] = counts.funnel["label"].to_numpy()
    return Published(
        min_cell=min_cell,
        round_to=round_to,
        headline={name: shown(keys.total[name]) for name in SITE_COUNTS},
        funnel=funnel[FUNNEL_COLUMNS],
        sites=_site_table(keys, shown),
        evaluability=_evaluability_table(keys, trial, shown),
        sweep=_sweep_table(sweep, keys.sweep, shown),
        top_failing={
            name: [(cid, shown(key)) for cid, key in keys.tops[sk]]
            for sk, name in keys.sites.items()
        },
    )


def _site_table(keys: CellKeys, shown) -> pd.DataFrame:
    rows = [
        {
            "site": name,
            **{col: shown(keys.site[(sk, col)]) for col in SITE_COUNTS},
            "top_failing": "; ".join(f"{cid} ({shown(key)})" for cid, key in keys.tops[sk]),
            "site_id": "" if sk[1] is None else str(sk[1]),
        }
        for sk, name in keys.sites.items()
    ]
    rows.append(
        {
            "site": TOTAL_SITE,
            **{col: shown(keys.total[col]) for col in SITE_COUNTS},
            "top_failing": "",
            "site_id": "",
        }
    )
    table = pd.DataFrame(rows)
    table["share_likely_eligible"] = [
        share(le, n) for le, n in zip(table["likely_eligible"], table["screened"], strict=True)
    ]
    return table[SITE_COLUMNS]


def _shown(cells: Cells, min_cell: int, round_to: int):
    """key → the text a reader sees."""
    if round_to:
        return lambda key: str(round_up(cells.values[key], round_to))
    marks = suppressed_cells(
        cells.values,
        cells.relations,
        min_cell,
        cells.unpublished,
        weights=cells.weights,
        orders=cells.orders,
    )
    return lambda key: marks.get(key, str(cells.values[key]))


def round_up(count: int, multiple: int) -> int:
    """`count` rounded up to a multiple of `multiple` (0 stays 0; 1..m → m)."""
    return -(-count // multiple) * multiple


def _evaluability_table(keys: CellKeys, trial: Any, shown) -> pd.DataFrame:
    rows = []
    for sk, name in [*keys.sites.items(), (None, TOTAL_SITE)]:
        screened = keys.total["screened"] if sk is None else keys.site[(sk, "screened")]
        for cid in computable_ids(trial):
            decided, rest = keys.evaluability[(sk, cid)]
            n, d = shown(decided), shown(screened)
            rows.append(
                {
                    "site": name,
                    "criterion_id": cid,
                    "share_decided": share(n, d),
                    "n_decided": n,
                    "n_screened": d,
                    "n_undecided": shown(rest),
                }
            )
    return pd.DataFrame(rows, columns=EVALUABILITY_COLUMNS)


def _sweep_table(sweep, keys, shown) -> pd.DataFrame | None:
    if sweep is None:
        return None
    table = sweep[["parameter", "value"]].astype(str).reset_index(drop=True)
    for col in SWEEP_COUNTS:
        table[col] = [shown(keys[(i, col)]) for i in range(len(sweep))]
    return table
