"""Every shareable figure of a screen, protected together so no table undoes another.

Headline counts, the funnel, the site table (with its top-three fail counts), the
evaluability table (`n_screened − n_decided` included: it is a count too) and the sweep
share cells and equations (the funnel starts at the screened total and ends at the
likely-eligible total; site rows sum to the headline), so they are built as one set of
cells, relations and orders and protected in one pass: small-cell suppression
(suppression.py) or, with `round_to`, every count rounded up to a multiple of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from prescreen.report.labels import computable_ids, share
from prescreen.report.marts import FUNNEL_COUNTS, SITE_COUNTS, ReportCounts
from prescreen.report.suppression import primary_mark, suppressed_cells
from prescreen.status import STATUSES

TOTAL_SITE = "All sites"
SWEEP_COUNTS = ["screened", *STATUSES]
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
_TOP = 3  # failing criteria listed per site
_TOTAL_WEIGHT = math.inf  # totals are hidden last


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


class _Cells:
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


def published_tables(
    counts: ReportCounts,
    trial: Any,
    *,
    min_cell: int = 5,
    round_to: int = 0,
    sweep: pd.DataFrame | None = None,
) -> Published:
    """All shareable tables, small counts protected (suppressed, or rounded: `round_to`)."""
    cells = _Cells()
    total = {
        name: cells.add(("total", name), counts.headline[name], weight=_TOTAL_WEIGHT)
        for name in SITE_COUNTS
    }
    cells.relate(total["screened"], [total[s] for s in STATUSES])
    sites = _site_keys(counts.sites)
    site_keys = _site_cells(cells, counts.sites, sites, total)
    funnel_keys = _funnel_cells(cells, counts.funnel, total, counts.headline)
    tops = _top_fail_cells(cells, counts, sites, site_keys, funnel_keys)
    eval_keys = _evaluability_cells(cells, counts, trial, sites, site_keys, funnel_keys, total)
    sweep_keys = _sweep_cells(cells, sweep, total)
    shown = _shown(cells, min_cell, round_to)

    site_rows = [
        {
            "site": site,
            **{col: shown(site_keys[(sk, col)]) for col in SITE_COUNTS},
            "top_failing": "; ".join(f"{cid} ({shown(key)})" for cid, key in tops[sk]),
            "site_id": "" if sk[1] is None else str(sk[1]),
        }
        for sk, site in sites.items()
    ]
    site_rows.append(
        {"site": TOTAL_SITE, **{c: shown(total[c]) for c in SITE_COUNTS}, "site_id": ""}
    )
    site_table = pd.DataFrame(site_rows)
    site_table["top_failing"] = site_table["top_failing"].fillna("")
    site_table["share_likely_eligible"] = [
        share(le, n)
        for le, n in zip(site_table["likely_eligible"], site_table["screened"], strict=True)
    ]
    funnel = counts.funnel[["step", "criterion_id", "kind"]].copy()
    for col in FUNNEL_COUNTS:
        funnel[col] = [shown(funnel_keys[(step, col)]) for step in counts.funnel["step"]]
    funnel["label"] = counts.funnel["label"].to_numpy()
    return Published(
        min_cell=min_cell,
        round_to=round_to,
        headline={name: shown(total[name]) for name in SITE_COUNTS},
        funnel=funnel[FUNNEL_COLUMNS],
        sites=site_table[SITE_COLUMNS],
        evaluability=_evaluability_table(eval_keys, sites, site_keys, total, trial, shown),
        sweep=_sweep_table(sweep, sweep_keys, shown),
        top_failing={sites[sk]: [(cid, shown(key)) for cid, key in tops[sk]] for sk in sites},
    )


def _shown(cells: _Cells, min_cell: int, round_to: int):
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


def _site_keys(sites: pd.DataFrame) -> dict[tuple, str]:
    """(site, site_id) → display name, in site order: sites are told apart by id too."""
    return {_site_key(row.site, row.site_id): row.site for row in sites.itertuples(index=False)}


def _site_key(site: str, site_id: Any) -> tuple:
    return (site, None if pd.isna(site_id) else int(site_id))


def _by_site(raw: pd.DataFrame, sites: dict) -> dict[tuple, pd.DataFrame]:
    """site_criteria rows grouped by site key, every site present (in site order)."""
    keys = [_site_key(s, i) for s, i in zip(raw["site"], raw["site_id"], strict=True)]
    groups = {sk: [] for sk in sites}
    for position, sk in enumerate(keys):
        groups[sk].append(position)
    return {sk: raw.iloc[rows] for sk, rows in groups.items()}


def _site_cells(cells: _Cells, raw: pd.DataFrame, sites: dict, total: dict) -> dict:
    keys = {}
    for sk, row in zip(sites, raw.itertuples(index=False), strict=True):
        for col in SITE_COUNTS:
            keys[(sk, col)] = cells.add(("site", sk, col), getattr(row, col), weight=row.screened)
        cells.relate(keys[(sk, "screened")], [keys[(sk, s)] for s in STATUSES])
    for col in SITE_COUNTS:
        cells.relate(total[col], [keys[(sk, col)] for sk in sites])
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


def _weight(cells: _Cells, site_keys: dict, sk: tuple) -> float:
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


def _evaluability_table(keys, sites, site_keys, total, trial, shown) -> pd.DataFrame:
    rows = []
    for sk, name in [*sites.items(), (None, TOTAL_SITE)]:
        screened = total["screened"] if sk is None else site_keys[(sk, "screened")]
        for cid in computable_ids(trial):
            decided, rest = keys[(sk, cid)]
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


def _sweep_cells(cells: _Cells, sweep: pd.DataFrame | None, total: dict) -> dict:
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


def _sweep_table(sweep, keys, shown) -> pd.DataFrame | None:
    if sweep is None:
        return None
    table = sweep[["parameter", "value"]].astype(str).reset_index(drop=True)
    for col in SWEEP_COUNTS:
        table[col] = [shown(keys[(i, col)]) for i in range(len(sweep))]
    return table
