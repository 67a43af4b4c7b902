"""Every shareable figure of a screen, suppressed together so no table undoes another.

Headline counts, the funnel, the site table (with its top-three fail counts), the
evaluability table and the sweep share cells and equations (the funnel starts at the
screened total and ends at the likely-eligible total; site rows sum to the headline), so
they are built as one cell/relation set and suppressed in one pass (see suppression.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from prescreen.report.evaluability import computable_ids, evaluability_counts
from prescreen.report.funnel import FUNNEL_COUNTS, funnel_counts
from prescreen.report.results import Results, as_result_codes
from prescreen.report.sites import (
    SITE_COUNTS,
    TOTAL_SITE,
    site_counts,
    site_fail_counts,
    top_failing,
)
from prescreen.report.suppression import suppressed_cells
from prescreen.status import STATUSES, status_counts

SWEEP_COUNTS = ["screened", *STATUSES]


@dataclass
class Published:
    """Raw counts, the marks hiding some of them, and the tables as they are shared."""

    min_cell: int
    headline: dict[str, str]
    funnel: pd.DataFrame
    sites: pd.DataFrame
    evaluability: pd.DataFrame
    sweep: pd.DataFrame | None
    raw_funnel: pd.DataFrame
    raw_sites: pd.DataFrame
    top_failing: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


class _Cells:
    """Accumulates cell values, relations and cells that are never shown."""

    def __init__(self) -> None:
        self.values: dict = {}
        self.relations: list[dict] = []
        self.unpublished: set = set()

    def add(self, key, value: int, shown: bool = True):
        self.values[key] = int(value)
        if not shown:
            self.unpublished.add(key)
        return key

    def relate(self, total, parts) -> None:
        """total = Σ parts (each a cell key)."""
        relation = {total: 1}
        for part in parts:
            relation[part] = relation.get(part, 0) - 1
        self.relations.append({k: c for k, c in relation.items() if c})


def published_tables(
    results: Results,
    patients: pd.DataFrame,
    trial,
    min_cell: int = 5,
    sweep: pd.DataFrame | None = None,
) -> Published:
    """All shareable tables with small cells and their complements hidden.

    `results`: the long criterion_result frame or `ResultCodes` aligned with `patients`
    (the code matrix is built once here and shared by every table).
    """
    codes = as_result_codes(results, patients, trial.criterion_ids())
    cells = _Cells()
    headline = status_counts(patients)
    total = {name: cells.add(("total", name), headline[name]) for name in SITE_COUNTS}
    cells.relate(total["screened"], [total[s] for s in STATUSES])

    raw_sites = site_counts(patients)
    fail_wide = site_fail_counts(codes, patients, trial)
    site_keys = _site_cells(cells, raw_sites, total)
    raw_funnel = funnel_counts(codes, patients, trial)
    funnel_keys = _funnel_cells(cells, raw_funnel, total, headline)
    tops = _top_fail_cells(cells, fail_wide, funnel_keys)
    eval_raw = evaluability_counts(codes, patients, trial)
    eval_keys = _evaluability_cells(cells, eval_raw, trial, site_keys, funnel_keys, total)
    sweep_keys = _sweep_cells(cells, sweep)

    marks = suppressed_cells(cells.values, cells.relations, min_cell, cells.unpublished)

    def shown(key) -> str:
        return marks.get(key, str(cells.values[key]))

    sites = pd.DataFrame(
        {
            "site": [*raw_sites["site"], TOTAL_SITE],
            **{
                col: [shown(site_keys[(s, col)]) for s in raw_sites["site"]] + [shown(total[col])]
                for col in SITE_COUNTS
            },
        }
    )
    top_shown = {s: [(cid, shown(key)) for cid, key in tops[s]] for s in tops}
    sites["top_failing"] = [
        "; ".join(f"{cid} ({n})" for cid, n in top_shown.get(s, [])) for s in sites["site"]
    ]
    funnel = raw_funnel[["step", "criterion_id", "kind"]].copy()
    for col in FUNNEL_COUNTS:
        funnel[col] = [shown(funnel_keys[(step, col)]) for step in raw_funnel["step"]]
    evaluability = _evaluability_table(eval_raw, eval_keys, site_keys, total, shown, marks)
    return Published(
        min_cell=min_cell,
        headline={name: shown(total[name]) for name in SITE_COUNTS},
        funnel=funnel,
        sites=sites,
        evaluability=evaluability,
        sweep=_sweep_table(sweep, sweep_keys, shown),
        raw_funnel=raw_funnel,
        raw_sites=raw_sites,
        top_failing=top_shown,
    )


def _site_cells(cells: _Cells, raw_sites: pd.DataFrame, total: dict) -> dict:
    keys = {}
    for row in raw_sites.itertuples(index=False):
        for col in SITE_COUNTS:
            keys[(row.site, col)] = cells.add(("site", row.site, col), getattr(row, col))
        cells.relate(keys[(row.site, "screened")], [keys[(row.site, s)] for s in STATUSES])
    for col in SITE_COUNTS:
        cells.relate(total[col], [keys[(s, col)] for s in raw_sites["site"]])
    return keys


def _funnel_cells(cells: _Cells, raw: pd.DataFrame, total: dict, headline: dict) -> dict:
    keys: dict = {}
    previous = None
    for row in raw.itertuples(index=False):
        step = row.step
        for col in FUNNEL_COUNTS:
            keys[(step, col)] = cells.add(("funnel", step, col), getattr(row, col))
        if previous is not None:  # remaining_before(k) is remaining_after(k−1)
            keys[(step, "remaining_before")] = previous
        elif row.remaining_before == headline["screened"]:
            keys[(step, "remaining_before")] = total["screened"]
        cells.relate(
            keys[(step, "remaining_before")],
            [keys[(step, c)] for c in ("fail", "unknown", "remaining_after")],
        )
        previous = keys[(step, "remaining_after")]
    if len(raw):
        first, last = raw["step"].iloc[0], raw["step"].iloc[-1]
        if raw["remaining_after"].iloc[-1] == headline["likely_eligible"]:
            cells.relate(total["likely_eligible"], [keys[(last, "remaining_after")]])
        # step 1 sees everyone, so its fail/unknown are the criterion's totals
        cells.relate(keys[(first, "fail")], [keys[(first, "fail_any")]])
        cells.relate(keys[(first, "unknown")], [keys[(first, "unknown_any")]])
    for (step, col), key in list(keys.items()):
        if col == "fail_any":
            keys[("id", raw.loc[raw["step"] == step, "criterion_id"].iloc[0])] = key
    return keys


def _top_fail_cells(cells: _Cells, fail_wide: pd.DataFrame, funnel_keys: dict) -> dict:
    """Site × criterion fail counts: the top three shown, the rest unknown to a reader."""
    tops = {}
    for site, counts in fail_wide.iterrows():
        top = dict(top_failing(counts, 3))
        tops[site] = []
        for cid, value in counts.items():
            key = cells.add(("sitefail", site, cid), value, shown=cid in top)
            if cid in top:
                tops[site].append((cid, key))
        tops[site].sort(key=lambda item: list(top).index(item[0]))
    for cid in fail_wide.columns:
        cells.relate(funnel_keys[("id", cid)], [("sitefail", s, cid) for s in fail_wide.index])
    return tops


def _evaluability_cells(cells, raw, trial, site_keys, funnel_keys, total) -> dict:
    keys = {}
    for row in raw.itertuples(index=False):
        keys[(row.site, row.criterion_id)] = cells.add(
            ("eval", row.site, row.criterion_id), row.n_decided
        )
    for cid in computable_ids(trial):
        decided = raw.loc[raw["criterion_id"] == cid, "n_decided"].sum()
        all_key = keys[(TOTAL_SITE, cid)] = cells.add(("eval", TOTAL_SITE, cid), decided)
        cells.relate(all_key, [keys[(s, c)] for s, c in keys if c == cid and s != TOTAL_SITE])
        fkey = funnel_keys[("id", cid)]
        step = fkey[1]
        # decided + unknown + manual = screened, for every patient has one result
        cells.relate(
            total["screened"],
            [all_key, funnel_keys[(step, "unknown_any")], funnel_keys[(step, "manual_any")]],
        )
    return keys


def _evaluability_table(raw, keys, site_keys, total, shown, marks) -> pd.DataFrame:
    rows = []
    sites = [*dict.fromkeys(raw["site"]), TOTAL_SITE]
    ids = list(dict.fromkeys(raw["criterion_id"]))
    for site in sites:
        screened_key = total["screened"] if site == TOTAL_SITE else site_keys[(site, "screened")]
        for cid in ids:
            key = keys[(site, cid)]
            n, d = shown(key), shown(screened_key)
            share = ""
            if key not in marks and screened_key not in marks and int(d) > 0:
                share = f"{int(n) / int(d):.3f}"
            elif key in marks or screened_key in marks:
                share = "*"
            rows.append(
                {
                    "site": site,
                    "criterion_id": cid,
                    "share_decided": share,
                    "n_decided": n,
                    "n_screened": d,
                }
            )
    return pd.DataFrame(
        rows, columns=["site", "criterion_id", "share_decided", "n_decided", "n_screened"]
    )


def _sweep_cells(cells: _Cells, sweep: pd.DataFrame | None) -> dict:
    keys: dict = {}
    if sweep is None:
        return keys
    for i, row in enumerate(sweep.itertuples(index=False)):
        for col in SWEEP_COUNTS:
            keys[(i, col)] = cells.add(("sweep", i, col), getattr(row, col))
        cells.relate(keys[(i, "screened")], [keys[(i, s)] for s in STATUSES])
    return keys


def _sweep_table(sweep, keys, shown) -> pd.DataFrame | None:
    if sweep is None:
        return None
    table = sweep[["parameter", "value"]].astype(str).reset_index(drop=True)
    for col in SWEEP_COUNTS:
        table[col] = [shown(keys[(i, col)]) for i in range(len(sweep))]
    return table


def funnel_table(
    results: Results, patients: pd.DataFrame, trial, min_cell: int = 5
) -> pd.DataFrame:
    """The funnel as shared (counts as text, small cells `<k`, complements `*`)."""
    return published_tables(results, patients, trial, min_cell).funnel


def site_table(results: Results, patients: pd.DataFrame, trial, min_cell: int = 5) -> pd.DataFrame:
    """The site table as shared, with an 'All sites' total row."""
    return published_tables(results, patients, trial, min_cell).sites
