"""Code sets → the staging rows each one matches, for the pandas engine (engine-spec §2).

The match runs on each domain's distinct (code, concept_id) pairs, not on its rows, and
is written here independently of the SQL engine's code map: globs become anchored
regular expressions (`codes.to_regex`), concept sets grow by their descendants from
`concept_ancestor`, and each matching code gets the side it names itself and a bit per
group of its code set. A code set with a `vocabulary` also matches the concepts its globs
name in the extract's concept table (and their descendants); descendants whose concept
row is invalid are left out, as OHDSI Circe does.
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd

from prescreen.criteria.codes import to_regex
from prescreen.criteria.model import Codeset
from prescreen.criteria.plan import Plan
from prescreen.criteria.staging import DOMAIN_TABLES
from prescreen.errors import CriteriaError

# every column a matched row carries downstream (the staging columns the engine reads,
# plus the code set, the row's side and its group bits)
ROW_COLUMNS = [
    "domain", "codeset", "rid", "person_id", "code", "event_date", "end_date", "num", "unit",
    "unit_concept", "range_high", "qual", "value_text", "value_key", "side", "gmask",
]  # fmt: skip


def matched_rows(
    con: duckdb.DuckDBPyConnection, plan: Plan, *, exact_concepts: bool = False
) -> pd.DataFrame:
    """One row per (staging row, code set of its domain the plan reads) that matches
    (ROW_COLUMNS); `side` is the coded side, else the row's modifier side."""
    ancestors = _ancestors(con, plan, exact_concepts)
    vocab = _vocabulary(con)
    frames = []
    for domain in plan.domains():
        rows = con.sql(f"select * from stg_{domain}").df()
        members = _code_members(plan, domain, rows[["code", "concept_id"]], ancestors, vocab)
        hit = rows.merge(members, on=["code", "concept_id"], how="inner")
        hit["side"] = hit["coded_side"].where(hit["coded_side"].notna(), hit["modifier_side"])
        hit["domain"] = domain
        frames.append(hit[ROW_COLUMNS])
    if not frames:
        return pd.DataFrame({c: [] for c in ROW_COLUMNS})
    out = pd.concat(frames, ignore_index=True)
    out["unit_concept"] = out["unit_concept"].astype("Int64")
    out["gmask"] = out["gmask"].astype("int64")
    for column in ("num", "range_high", "qual"):
        out[column] = out[column].astype("float64")
    return out


def _code_members(
    plan: Plan,
    domain: str,
    codes: pd.DataFrame,
    ancestors: pd.DataFrame | None,
    vocab: pd.DataFrame | None,
) -> pd.DataFrame:
    """(code, concept_id) → code set, coded side and group mask, for the code sets the
    plan reads in `domain`."""
    distinct = codes.drop_duplicates(ignore_index=True)
    # object dtype: Python `re` semantics for the translated globs (not an Arrow regex engine)
    text = distinct["code"].astype(object).fillna("")
    pieces = []
    for name in sorted({i.event.codeset for i in plan.insts if i.event.domain == domain}):
        cs = plan.codesets[name]
        member = _membership(cs, text, distinct["concept_id"], ancestors, vocab)
        if not member.any():
            continue
        hit = distinct[member].copy()
        hit_text = text[member]
        hit["codeset"] = name
        hit["coded_side"] = _coded_side(cs, hit_text)
        hit["gmask"] = _group_mask(cs, hit_text, hit["concept_id"], ancestors, vocab)
        pieces.append(hit)
    if not pieces:
        return pd.DataFrame(
            {"code": pd.Series([], dtype=object), "concept_id": pd.Series([], dtype="int64"),
             "codeset": [], "coded_side": [], "gmask": pd.Series([], dtype="int64")}
        )  # fmt: skip
    return pd.concat(pieces, ignore_index=True)


def _matches(text: pd.Series, patterns: tuple[str, ...]) -> np.ndarray:
    """Which codes match any of the globs (case-sensitive, the whole code)."""
    if not patterns:
        return np.zeros(len(text), dtype=bool)
    found = text.str.fullmatch(to_regex(patterns), flags=re.DOTALL)
    return found.fillna(False).to_numpy(dtype=bool)


def _membership(
    cs: Codeset,
    text: pd.Series,
    concept_id: pd.Series,
    ancestors: pd.DataFrame | None,
    vocab: pd.DataFrame | None,
) -> np.ndarray:
    """An include glob or a listed concept (with its descendants) matches; an exclude
    glob removes the code again. A `match_all` set (death) takes every row."""
    if cs.match_all:
        member = np.ones(len(text), dtype=bool)
    else:
        member = _matches(text, cs.codes)
        wanted = _concept_set(cs, set(cs.concepts), cs.codes, ancestors, vocab)
        if wanted:
            member = member | concept_id.isin(wanted).to_numpy(dtype=bool)
    return member & ~_matches(text, cs.exclude)


def _concept_set(
    cs: Codeset,
    listed: set[int],
    patterns: tuple[str, ...],
    ancestors: pd.DataFrame | None,
    vocab: pd.DataFrame | None,
) -> set[int]:
    """Listed concepts, plus those `patterns` name in the code set's vocabulary, plus (with
    descendants) every valid descendant of either."""
    wanted = set(listed)
    if cs.vocabulary and vocab is not None and patterns:
        mine = vocab[vocab["vocabulary_id"] == cs.vocabulary]
        named = _matches(mine["concept_code"].astype(object).fillna(""), patterns)
        wanted |= set(mine.loc[named, "concept_id"].astype("int64").tolist())
    if cs.descendants and ancestors is not None and wanted:
        below = ancestors[ancestors["ancestor_concept_id"].isin(wanted)]
        children = set(below["descendant_concept_id"].astype("int64").tolist())
        if vocab is not None:
            invalid = set(vocab.loc[vocab["invalid_reason"].notna(), "concept_id"].astype("int64"))
            children -= invalid
        wanted |= children
    return wanted


def _coded_side(cs: Codeset, text: pd.Series) -> np.ndarray:
    """The first `sides:` list that matches (R before L), else a `|`-separated segment
    that is exactly R or L (R first), else None."""
    side = np.full(len(text), None, dtype=object)
    for name, patterns in cs.sides:  # parse orders them R, L
        side = np.where(pd.isna(side) & _matches(text, patterns), name, side)
    for name in ("R", "L"):
        segment = text.str.contains(rf"(?:^|\|){name}(?:\||\Z)", regex=True).to_numpy(dtype=bool)
        side = np.where(pd.isna(side) & segment, name, side)
    return side.astype(object)


def _group_mask(
    cs: Codeset,
    text: pd.Series,
    concept_id: pd.Series,
    ancestors: pd.DataFrame | None,
    vocab: pd.DataFrame | None,
) -> np.ndarray:
    """Bit g set when the code matches group g's patterns, or (vocabulary code sets) its
    concept is one group g's patterns name; a code may be in several groups."""
    mask = np.zeros(len(text), dtype=np.int64)
    for bit, (_, patterns) in enumerate(cs.groups):
        hit = _matches(text, patterns)
        if cs.vocabulary:
            concepts = _concept_set(cs, set(), patterns, ancestors, vocab)
            hit = hit | concept_id.isin(concepts).to_numpy(dtype=bool)
        mask |= hit.astype(np.int64) << bit
    return mask


def _ancestors(con: duckdb.DuckDBPyConnection, plan: Plan, exact: bool) -> pd.DataFrame | None:
    """(ancestor, descendant) concept pairs when a code set asks for descendants and the
    extract has them; refuses, like the SQL engine, to match such a code set silently
    without them when the extract carries concept ids (unless `exact`)."""
    wanted = sorted(
        name
        for name, cs in plan.codesets.items()
        if cs.descendants and (cs.concepts or cs.vocabulary)
    )
    if not wanted:
        return None
    if _table_rows(con, "concept_ancestor"):
        return con.sql(
            "select ancestor_concept_id, descendant_concept_id from concept_ancestor"
        ).df()
    coded = sorted(
        DOMAIN_TABLES[d] for d in plan.domains() if d != "death" and _has_concept_ids(con, d)
    )
    if coded and not exact:
        raise CriteriaError(
            f"code set(s) {', '.join(wanted)} ask for descendants of their concepts, but the "
            f"extract has no concept_ancestor rows while {', '.join(coded)} carry concept ids: add the "
            "vocabulary's CONCEPT_ANCESTOR table to the extract, or rerun with --exact-concepts to "
            "match the listed concepts only"
        )
    return None


def _table_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    found = con.execute(
        "select count(*) from information_schema.tables where table_name = ?", [table]
    ).fetchall()[0][0]
    if not found:
        return 0
    return int(con.execute(f"select count(*) from {table}").fetchall()[0][0])


def _has_concept_ids(con: duckdb.DuckDBPyConnection, domain: str) -> bool:
    found = con.execute(
        f"select count(*) from (select 1 from stg_{domain} where concept_id <> 0 limit 1)"
    )
    return bool(found.fetchall()[0][0])


def _vocabulary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """The extract's concept table (id, vocabulary, code, validity), or None without one."""
    if not _table_rows(con, "concept"):
        return None
    columns = {r[0] for r in con.execute("describe concept").fetchall()}
    validity = (
        "invalid_reason"
        if "invalid_reason" in columns
        else "cast(null as varchar) as invalid_reason"
    )
    return con.sql(f"select concept_id, vocabulary_id, concept_code, {validity} from concept").df()
