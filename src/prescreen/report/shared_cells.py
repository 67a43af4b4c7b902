"""Every shareable count as a cell, with what a reader knows about the cells.

The headline, the site table (and its top-three fail counts), the funnel, evaluability
and the sweep share cells and equations (the funnel starts at the screened total and
ends at the likely-eligible total; site rows sum to the headline; n_screened − n_decided
is a count of its own), so they are one set of cells, relations and orders, protected in
one pass (suppression.py). Cells are keyed by table; sites by (name, care_site_id).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from prescreen.report.labels import computable_ids
from prescreen.report.marts import FUNNEL_COUNTS, SITE_COUNTS, ReportCounts
from prescreen.status import STATUSES

TOTAL_SITE = "All sites"
SWEEP_COUNTS = ["screened", *STATUSES]
_TOP = 3  # failing criteria listed per site
_TOTAL_WEIGHT = math.inf  # totals are hidden last


class Cells:
    """Cell values, the relations and orders a reader knows, cells never shown, weights."""

    def __init__(self) -> None:
        self.values: dict = {}
        self.relations: list[dict] = []
        self.orders: list[tuple] = []
        self.unpublished: set = set()
        self.weights: dict = {}

    def add(self, key, value: int, *, shown: bool = True, weight: float | None = None):
        self.values[key] = int(value)
        if not shown:
            self.unpublished.add(key)
        if weight is not None:
            self.weights[key] = weight
        return key

    def relate(self, total, parts) -> None:
        """total = Σ parts (each a cell key)."""
        relation = {total: 1}
        for part in parts:
            relation[part] = relation.get(part, 0) - 1
        self.relations.append({k: c for k, c in relation.items() if c})

    def at_most(self, smaller, larger) -> None:
        """value(smaller) ≤ value(larger), as a reader knows."""
        self.orders.append((smaller, larger))


@dataclass(frozen=True)
class CellKeys:
    """Where each shared number lives among the cells.

    sites: (name, care_site_id) → display name, site order; site[(sk, col)];
    funnel[(step, col)] (and ("id", cid) → fail_any); tops[sk] = [(cid, key)] listed;
    evaluability[(sk or None for All sites, cid)] = (decided, undecided); sweep[(i, col)].
    """

    total: dict
    sites: dict
    site: dict
    funnel: dict
    tops: dict
    evaluability: dict
    sweep: dict


def shared_cells(
    counts: ReportCounts, trial: Any, sweep: pd.DataFrame | None = None
) -> tuple[Cells, CellKeys]:
    """The cells of every shareable table, their relations and orders."""
    cells = Cells()
    total = {
        name: cells.add(("total", name), counts.headline[name], weight=_TOTAL_WEIGHT)
        for name in SITE_COUNTS
    }
    cells.relate(total["screened"], [total[s] for s in STATUSES])
    sites = _site_keys(counts.sites)
    site = _site_cells(cells, counts.sites, sites, total)
    funnel = _funnel_cells(cells, counts.funnel, total, counts.headline)
    tops = _top_fail_cells(cells, counts, sites, site, funnel)
    evaluability = _evaluability_cells(cells, counts, trial, sites, site, funnel, total)
    return cells, CellKeys(
        total, sites, site, funnel, tops, evaluability, _sweep_cells(cells, sweep, total)
    )


def _site_keys(sites: pd.DataFrame) -> dict[tuple, str]:
    """(site, site_id) → display name, in site order: sites are told apart by id too."""
    return {_site_key(row.site, row.site_id): row.site for row in sites.itertuples(index=False)}


def _site_key(site: str, site_id: Any) -> tuple:
    return (site, None if pd.isna(site_id) else int(site_id))


def _by_site(raw: pd.DataFrame, sites: dict) -> dict[tuple, pd.DataFrame]:
    """site_criteria rows grouped by site key, every site present (in site order)."""
    keys = [_site_key(s, i) for s, i in zip(raw["site"], raw["site_id"], strict=True)]
    groups: dict[tuple, list[int]] = {sk: [] for sk in sites}
    for position, sk in enumerate(keys):
        groups[sk].append(position)
    return {sk: raw.iloc[rows] for sk, rows in groups.items()}


def _site_cells(cells: Cells, raw: pd.DataFrame, sites: dict, total: dict) -> dict:
    keys = {}
    for sk, row in zip(sites, raw.itertuples(index=False), strict=True):
        for col in SITE_COUNTS:
            keys[(sk, col)] = cells.add(("site", sk, col), getattr(row, col), weight=row.screened)
        cells.relate(keys[(sk, "screened")], [keys[(sk, s)] for s in STATUSES])
    for col in SITE_COUNTS:
        cells.relate(total[col], [keys[(sk, col)] for sk in sites])
    return keys


def _funnel_cells(cells: Cells, raw: pd.DataFrame, total: dict, headline: dict) -> dict:
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
        cells.at_most(keys[(step, "fail")], keys[(step, "fail_any")])
        cells.at_most(keys[(step, "unknown")], keys[(step, "unknown_any")])
        cells.at_most(keys[(step, "fail_only")], keys[(step, "fail_any")])
        cells.at_most(keys[(step, "gained_if_dropped")], keys[(step, "fail_only")])
        keys[("id", row.criterion_id)] = keys[(step, "fail_any")]
        keys[("unknown_any", row.criterion_id)] = keys[(step, "unknown_any")]
        keys[("manual_any", row.criterion_id)] = keys[(step, "manual_any")]
        previous = keys[(step, "remaining_after")]
    if len(raw):
        first, last = raw["step"].iloc[0], raw["step"].iloc[-1]
        if raw["remaining_after"].iloc[-1] == headline["likely_eligible"]:
            cells.relate(total["likely_eligible"], [keys[(last, "remaining_after")]])
        # step 1 sees everyone, so its fail/unknown are the criterion's totals
        cells.relate(keys[(first, "fail")], [keys[(first, "fail_any")]])
        cells.relate(keys[(first, "unknown")], [keys[(first, "unknown_any")]])
    return keys


def _top_fail_cells(cells, counts: ReportCounts, sites: dict, site_keys: dict, funnel_keys) -> dict:
    """Site × criterion fail counts: the top three shown, most first; what else a reader
    knows: an unlisted criterion fails at most as many as the third listed, and none at
    all when fewer than three are listed."""
    tops: dict = {}
    for sk, group in _by_site(counts.site_criteria, sites).items():
        fails = dict(zip(group["criterion_id"], group["n_fail"], strict=True))
        order = sorted(
            (cid for cid in fails if fails[cid] > 0),
            key=lambda c: (-fails[c], list(fails).index(c)),
        )
        listed = order[:_TOP]
        keys = {}
        for cid, value in fails.items():
            implicit = cid not in listed and len(listed) == _TOP
            keys[cid] = cells.add(
                ("sitefail", sk, cid),
                value,
                shown=not implicit,
                weight=_weight(cells, site_keys, sk),
            )
        for higher, lower in zip(listed, listed[1:], strict=False):
            cells.at_most(keys[lower], keys[higher])
        if len(listed) == _TOP:
            for cid in fails:
                if cid not in listed:
                    cells.at_most(keys[cid], keys[listed[-1]])
        tops[sk] = [(cid, keys[cid]) for cid in listed]
    for cid in counts.funnel["criterion_id"]:
        cells.relate(funnel_keys[("id", cid)], [("sitefail", sk, cid) for sk in sites])
    return tops


def _weight(cells: Cells, site_keys: dict, sk: tuple) -> float:
    """A site's cells weigh its screened count: small sites give up cells first."""
    return float(cells.values[site_keys[(sk, "screened")]])


def _evaluability_cells(cells, counts, trial, sites, site_keys, funnel_keys, total) -> dict:
    """Decided and undecided (n_screened − n_decided) per site × computable criterion."""
    keys: dict = {}
    computable = set(computable_ids(trial))
    for sk, group in _by_site(counts.site_criteria, sites).items():
        weight = _weight(cells, site_keys, sk)
        for row in group.itertuples(index=False):
            if row.criterion_id not in computable:
                continue
            undecided = int(row.n_unknown) + int(row.n_manual)
            decided = cells.add(("eval", sk, row.criterion_id), row.n_decided, weight=weight)
            rest = cells.add(("undecided", sk, row.criterion_id), undecided, weight=weight)
            keys[(sk, row.criterion_id)] = (decided, rest)
            cells.relate(site_keys[(sk, "screened")], [decided, rest])
            cells.at_most(("sitefail", sk, row.criterion_id), decided)
    for cid in computable_ids(trial):
        site_pairs = [keys[(sk, cid)] for sk in sites if (sk, cid) in keys]
        all_decided = cells.add(
            ("eval", TOTAL_SITE, cid), sum(cells.values[d] for d, _ in site_pairs),
            weight=_TOTAL_WEIGHT,
        )  # fmt: skip
        all_rest = cells.add(
            ("undecided", TOTAL_SITE, cid), sum(cells.values[u] for _, u in site_pairs),
            weight=_TOTAL_WEIGHT,
        )  # fmt: skip
        keys[(None, cid)] = (all_decided, all_rest)
        cells.relate(all_decided, [d for d, _ in site_pairs])
        cells.relate(all_rest, [u for _, u in site_pairs])
        cells.relate(total["screened"], [all_decided, all_rest])
        # undecided = unknown or manual, for every patient has one result
        cells.relate(
            all_rest, [funnel_keys[("unknown_any", cid)], funnel_keys[("manual_any", cid)]]
        )
    for criterion in trial.criteria:
        if criterion.manual:  # never pass or fail: everyone is unknown or manual
            cells.relate(
                total["screened"],
                [
                    funnel_keys[("id", criterion.id)],
                    funnel_keys[("unknown_any", criterion.id)],
                    funnel_keys[("manual_any", criterion.id)],
                ],
            )
    return keys


def _sweep_cells(cells: Cells, sweep: pd.DataFrame | None, total: dict) -> dict:
    keys: dict = {}
    if sweep is None:
        return keys
    for i, row in enumerate(sweep.itertuples(index=False)):
        for col in SWEEP_COUNTS:
            keys[(i, col)] = cells.add(("sweep", i, col), getattr(row, col))
        cells.relate(keys[(i, "screened")], [keys[(i, s)] for s in STATUSES])
        if row.screened == cells.values[total["screened"]]:  # the same persons, screened again
            cells.relate(total["screened"], [keys[(i, "screened")]])
    return keys
