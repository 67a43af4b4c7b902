"""criterion_result as it is stored: small integers, their labels beside them, and a view.

Whichever engine screened, results are the table `criterion_code(person_id, ord, code,
reason_code, evidence)`: `ord` the 1-based output position (the protocol's numbering,
sub-rules after their criterion), `code` the result and `reason_code` the unknown's
reason as small integers; `result_label(kind, code, label)` says what each integer means,
and the view `criterion_result(person_id, criterion_id, result, evidence, reason, ord)`
puts the labels back for every reader.

Why integers: the table has a row per person and reported row (67 M at 1 M persons,
335 M at 5 M), and writing the same few dozen strings into each of them was the costliest
statement of a screen (113 s of 468 s at 5 M persons; integers write in about half).

The view joins the labels, and a join does not keep a table's order; the files that list
rows in the table's order (criteria.parquet, criteria.csv) read `criterion_code` with
the labels as bound lists (`Labels.params`), a plain projection DuckDB keeps in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from prescreen.sqltext import read_sql, render

RESULT_LABELS = ("pass", "fail", "unknown", "manual")  # code 0, 1, 2, 3
# reason_code 1, 2, …: the unknowns' reasons (the engines' REASON_CODES, in that order)
REASON_LABELS = ("no_data", "stale", "conflict", "unit_unknown", "side_unknown", "review")
VIEW = "criterion_result"


@dataclass(frozen=True)
class Labels:
    """What criterion_code's integers mean: ids by ord, results by code, reasons by
    reason_code (ord and reason_code count from 1, code from 0)."""

    criteria: list[str | None]
    results: list[str]
    reasons: list[str]

    def params(self) -> dict[str, Any]:
        """The lists as the bound parameters $ids, $results and $reasons of sql/marts."""
        return {"ids": self.criteria, "results": self.results, "reasons": self.reasons}


def engine_labels(output_ids: Sequence[str]) -> Labels:
    """The labels of an engine that writes codes itself (the SQL engine)."""
    return Labels(list(output_ids), list(RESULT_LABELS), list(REASON_LABELS))


def write_labels(con: duckdb.DuckDBPyConnection, labels: Labels) -> None:
    """`result_label` from `labels`, and the view `criterion_result` over criterion_code
    (which must exist). A table of that name (an older database) is replaced."""
    con.execute(read_sql("marts/result_label.sql"), labels.params())
    kind = con.execute(
        "select table_type from information_schema.tables "
        "where table_schema = 'main' and table_name = ?",
        [VIEW],
    ).fetchone()
    if kind is not None and kind[0] != "VIEW":
        con.execute(f"drop table {VIEW}")
    con.execute(read_sql("marts/criterion_result_view.sql"))


def create_label_types(con: duckdb.DuckDBPyConnection, labels: Labels) -> None:
    """Temporary ENUM types of `labels` (ps_criterion_label, ps_result_label,
    ps_reason_label) for the files written from criterion_code (sql/marts/label_type.sql)."""
    for name, values in (
        ("ps_criterion_label", labels.criteria),
        ("ps_result_label", labels.results),
        ("ps_reason_label", labels.reasons),
    ):
        con.execute(render(read_sql("marts/label_type.sql"), name=name), {"labels": values})


def read_labels(con: duckdb.DuckDBPyConnection) -> Labels:
    """The labels `write_labels` stored (for the writers that read criterion_code)."""
    rows = con.execute(read_sql("marts/result_labels_by_kind.sql")).fetchall()
    found = {kind: list(labels) for kind, labels in rows}
    return Labels(found.get("criterion", []), found.get("result", []), found.get("reason", []))


def output_positions(labels: Labels, ids: Sequence[str]) -> list[int]:
    """Each criterion id's ord in criterion_code, 0 where the results have no row for it
    (the marts' $ords: a criterion without rows counts as unknown there)."""
    where = {cid: k for k, cid in enumerate(labels.criteria, start=1) if cid is not None}
    return [where.get(cid, 0) for cid in ids]


def store_frame(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    """Results an engine produced as a frame (person_id, criterion_id, result, evidence,
    reason, and `ord` when it has one) become criterion_code, its labels and the view.

    Rows come in person then protocol order; without `ord`, a criterion's position is the
    order in which the frame first names it. A result or reason outside the known ones
    (a bug in an engine) gets a code of its own, so the status check reports it as it was.
    """
    frame = frame.reset_index(drop=True)
    if "ord" in frame:
        ords = frame["ord"].astype("int64")
    else:
        ords = pd.Series(pd.factorize(frame["criterion_id"])[0] + 1, index=frame.index)
    ids = _ids_by_ord(frame["criterion_id"], ords)
    results = _with_extras(RESULT_LABELS, frame["result"])
    reasons = _with_extras(REASON_LABELS, frame["reason"])
    coded = pd.DataFrame(
        {
            "person_id": frame["person_id"].astype("int64"),
            "ord": ords,
            "code": _codes(frame["result"], results, first=0),
            "reason_code": _codes(frame["reason"], reasons, first=1),
            "evidence": frame["evidence"],
        }
    )
    con.register("criterion_code_frame", coded)
    try:
        con.execute(read_sql("marts/criterion_code_from_frame.sql"))
    finally:
        con.unregister("criterion_code_frame")
    write_labels(con, Labels(ids, results, reasons))


def _ids_by_ord(ids: pd.Series, ords: pd.Series) -> list[str | None]:
    """criterion ids by position 1…max(ord); one position naming two ids is a bug."""
    pairs = pd.DataFrame({"ord": ords, "criterion_id": ids}).drop_duplicates()
    clash = pairs[pairs["ord"].duplicated(keep=False)]
    if len(clash):
        first = clash.iloc[0]["ord"]
        named = sorted(map(str, clash.loc[clash["ord"] == first, "criterion_id"]))
        raise RuntimeError(
            f"criterion results name {', '.join(named)} at one output position ({first}): "
            "a bug in the engine that produced them"
        )
    by_ord = dict(zip(pairs["ord"], pairs["criterion_id"], strict=True))
    return [by_ord.get(k) for k in range(1, int(max(by_ord, default=0)) + 1)]


def _with_extras(known: Sequence[str], values: pd.Series) -> list[str]:
    extras = sorted(set(values.astype("string").dropna().unique()) - set(known))
    return [*known, *extras]


def _codes(values: pd.Series, labels: list[str], *, first: int) -> pd.Series:
    """Each value's position in `labels` (counting from `first`); NULL stays NULL."""
    codes = pd.Categorical(values.astype("string"), categories=labels).codes.astype("int64")
    return pd.Series(codes + first, dtype="Int64").mask(codes < 0)
