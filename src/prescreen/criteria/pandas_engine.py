"""The pandas engine: the same semantics as the SQL engine, written independently.

It shares only the plan (window dates, unit factors, limb scopes, node graph) with the
SQL engine; matching, aggregation, three-valued logic and evidence are re-implemented
here with vectorized pandas/numpy operations, so that the two can check each other.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from prescreen.criteria.codes import to_regex
from prescreen.criteria.model import Trial, compare
from prescreen.criteria.plan import Inst, Node, Plan, build_plan

RESULT_COLUMNS = ["person_id", "criterion_id", "result", "evidence", "reason"]
POSITIVE_CONCEPTS, NEGATIVE_CONCEPTS = (9191, 45884084), (9189, 45878583)
POSITIVE_TEXT = ("positive", "reactive", "detected")
NEGATIVE_TEXT = ("negative", "non-reactive", "nonreactive", "not detected")
_UNIFORM = {
    # domain: table, code, concept, date, end, num, unit, range_high, value concept, value text
    "condition": ("condition_occurrence", "condition_source_value", "condition_concept_id",
                  "condition_start_date", "condition_end_date", None, None, None, None, None),
    "procedure": ("procedure_occurrence", "procedure_source_value", "procedure_concept_id",
                  "procedure_date", None, None, None, None, None, None),
    "drug": ("drug_exposure", "drug_source_value", "drug_concept_id",
             "drug_exposure_start_date", None, None, None, None, None, None),
    "measurement": ("measurement", "measurement_source_value", "measurement_concept_id",
                    "measurement_date", None, "value_as_number", "unit_source_value", "range_high",
                    "value_as_concept_id", "value_source_value"),
    "observation": ("observation", "observation_source_value", "observation_concept_id",
                    "observation_date", None, "value_as_number", "unit_source_value", None,
                    "value_as_concept_id", "value_as_string"),
    "death": ("death", None, None, "death_date", None, None, None, None, None, None),
}  # fmt: skip
FAR_FUTURE = pd.Timestamp("2262-04-01")
# ties on a date go to the lowest record id
_PRIMARY_KEY = {
    "condition": "condition_occurrence_id", "procedure": "procedure_occurrence_id",
    "drug": "drug_exposure_id", "measurement": "measurement_id", "observation": "observation_id",
    "death": None,
}  # fmt: skip


def evaluate_pandas(tables: dict[str, pd.DataFrame], trial: Trial, as_of: date) -> pd.DataFrame:
    """criterion_result from in-memory OMOP tables (see RESULT_COLUMNS)."""
    plan = build_plan(trial, as_of)
    persons = tables["person"]
    person_ids = persons["person_id"].astype("int64").to_numpy()
    events = _event_results(plan, tables)
    values = _node_values(plan, persons, events, as_of)
    return _criterion_rows(plan, person_ids, values)


# --------------------------------------------------------------------------- rows
def _uniform_rows(domain: str, table: pd.DataFrame) -> pd.DataFrame:
    _, code, concept, start, end, num, unit, high, vconcept, vtext = _UNIFORM[domain]
    n = len(table)
    key = _PRIMARY_KEY[domain]
    rid = table[key] if key else pd.Series(0, index=table.index)

    def col(name: str | None, fill=None, dtype=None) -> pd.Series:
        if name is None or name not in table:
            return pd.Series([fill] * n, index=table.index, dtype=dtype)
        return table[name]

    out = pd.DataFrame(
        {
            "rid": rid.astype("int64"),
            "person_id": table["person_id"].astype("int64"),
            "code": col(code, "").fillna("").astype(str),
            "concept_id": col(concept, 0, "float64").fillna(0).astype("int64"),
            "event_date": pd.to_datetime(table[start]),
            "num": pd.to_numeric(col(num, np.nan, "float64"), errors="coerce"),
            "unit": col(unit, "").fillna("").astype(str),
            "range_high": pd.to_numeric(col(high, np.nan, "float64"), errors="coerce"),
            "value_concept": pd.to_numeric(col(vconcept, np.nan, "float64"), errors="coerce"),
            "value_text": col(vtext, None, "object"),
        }
    )
    if domain == "condition":
        out["end_date"] = pd.to_datetime(table[end]).fillna(FAR_FUTURE)
    elif domain == "drug":
        start_dt = pd.to_datetime(table["drug_exposure_start_date"])
        supply = pd.to_numeric(table.get("days_supply"), errors="coerce")
        by_supply = start_dt + pd.to_timedelta(supply - 1, unit="D")
        out["end_date"] = pd.to_datetime(table["drug_exposure_end_date"]).fillna(by_supply).fillna(start_dt)
    else:
        out["end_date"] = out["event_date"]
    if domain == "procedure" and "modifier_source_value" in table:
        out["modifier_side"] = table["modifier_source_value"].map({"RT": "R", "LT": "L", "50": "B"})
    else:
        out["modifier_side"] = None
    return out


def _code_map(plan: Plan, domain: str, rows: pd.DataFrame, ancestors: pd.DataFrame | None) -> pd.DataFrame:
    """(code, concept_id) → code set, coded side and group, from the domain's distinct codes."""
    codes = rows[["code", "concept_id"]].drop_duplicates().reset_index(drop=True)
    wanted = {i.event.codeset for i in plan.insts if i.event.domain == domain}
    pieces = []
    for name in sorted(wanted):
        cs = plan.codesets[name]
        member = codes["code"].str.fullmatch(to_regex(cs.codes)) if cs.codes else pd.Series(False, index=codes.index)
        if cs.match_all:
            member[:] = True
        if cs.concepts:
            concept_ids = set(cs.concepts)
            if cs.descendants and ancestors is not None and len(ancestors):
                below = ancestors[ancestors["ancestor_concept_id"].isin(concept_ids)]
                concept_ids |= set(below["descendant_concept_id"].astype("int64"))
            member |= codes["concept_id"].isin(concept_ids)
        if cs.exclude:
            member &= ~codes["code"].str.fullmatch(to_regex(cs.exclude))
        hit = codes[member.to_numpy()].copy()
        if hit.empty:
            continue
        side = pd.Series(None, index=hit.index, dtype="object")
        for s, pats in cs.sides:  # R before L: fill only where still empty
            side = side.where(side.notna() | ~hit["code"].str.fullmatch(to_regex(pats)), s)
        for s_ in ("R", "L"):  # a |-separated segment R or L: ANKLE_SBP|R, STENOSIS|SFA|L|DSA
            segment = hit["code"].str.contains(rf"(?:^|\|){s_}(?:\||$)", regex=True)
            side = side.where(side.notna() | ~segment, s_)
        grp = pd.Series(None, index=hit.index, dtype="object")
        for g, pats in cs.groups:
            grp = grp.where(grp.notna() | ~hit["code"].str.fullmatch(to_regex(pats)), g)
        hit["codeset"], hit["coded_side"], hit["grp"] = name, side, grp
        pieces.append(hit)
    if not pieces:
        return pd.DataFrame(columns=["code", "concept_id", "codeset", "coded_side", "grp"])
    return pd.concat(pieces, ignore_index=True)


def _hits(plan: Plan, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    ancestors = tables.get("concept_ancestor")
    frames = []
    for domain in plan.domains():
        rows = _uniform_rows(domain, tables[_UNIFORM[domain][0]])
        cmap = _code_map(plan, domain, rows, ancestors)
        hit = rows.merge(cmap, on=["code", "concept_id"], how="inner")
        hit["side"] = hit["coded_side"].fillna(hit["modifier_side"])
        hit["domain"] = domain
        frames.append(hit.drop(columns=["coded_side", "modifier_side"]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _inst_frame(plan: Plan) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "inst": [i.idx for i in plan.insts],
            "domain": [i.event.domain for i in plan.insts],
            "codeset": [i.event.codeset for i in plan.insts],
            "scope": [i.scope for i in plan.insts],
            "lo": pd.to_datetime([i.bounds.lo for i in plan.insts]),
            "hi": pd.to_datetime([i.bounds.hi for i in plan.insts]),
            "active": [i.bounds.active for i in plan.insts],
        }
    )


# --------------------------------------------------------------------------- event rules
def _judged_rows(plan: Plan, hits: pd.DataFrame) -> pd.DataFrame:
    if hits.empty:
        return hits
    index_day = pd.Timestamp(plan.as_of)
    rows = hits.merge(_inst_frame(plan), on=["domain", "codeset"], how="inner")
    rows = rows[(rows["scope"] == "*") | (rows["side"] == rows["scope"]) | (rows["side"] == "B")]
    rows = rows.reset_index(drop=True)
    before_lo = rows["lo"].notna() & (rows["event_date"] < rows["lo"])
    rows["in_window"] = (
        (rows["event_date"] <= rows["hi"])
        & (rows["lo"].isna() | (rows["event_date"] >= rows["lo"]))
        & (~rows["active"] | (rows["end_date"] >= index_day))
    )
    rows["before_window"] = np.where(
        rows["active"], (rows["event_date"] <= rows["hi"]) & (rows["end_date"] < index_day), before_lo
    )
    factors = pd.DataFrame(
        [(i.idx, u, f) for i in plan.insts for u, f in i.unit_factors],
        columns=["inst", "unit", "factor"],
    )
    rows = rows.merge(factors, on=["inst", "unit"], how="left")
    conv = pd.Series(np.nan, index=rows.index)
    text = rows["value_text"].astype("object").where(rows["value_text"].notna(), None)
    clean = text.fillna("").astype(str).str.strip().str.lower()
    sat = pd.Series(pd.NA, index=rows.index, dtype="boolean")
    for inst in plan.insts:  # one vectorized pass per rule instance
        mask = (rows["inst"] == inst.idx).to_numpy()
        if not mask.any() or inst.event.predicate is None:
            continue
        pred = inst.event.predicate
        sub = rows.loc[mask]
        if pred.kind in ("num", "between"):
            conv[mask] = sub["num"] * sub["factor"]
        elif pred.kind == "uln":
            conv[mask] = sub["num"] / sub["range_high"].where(sub["range_high"] > 0)
        elif pred.kind == "qual":
            conv[mask] = np.select(
                [
                    sub["value_concept"].isin(POSITIVE_CONCEPTS),
                    sub["value_concept"].isin(NEGATIVE_CONCEPTS),
                    clean[mask].isin(POSITIVE_TEXT),
                    clean[mask].isin(NEGATIVE_TEXT),
                ],
                [1.0, 0.0, 1.0, 0.0],
                default=np.nan,
            )
        else:  # in
            conv[mask] = np.where(text[mask].isna(), np.nan, clean[mask].isin(pred.values).astype(float))
        known = mask & conv.notna().to_numpy()
        value = conv[known]
        if pred.kind == "between":
            sat[known] = (value >= pred.v1) & (value <= pred.v2)
        elif pred.kind in ("qual", "in"):
            sat[known] = value == inst.qual_target
        else:
            sat[known] = compare(value, pred.op, pred.v1)
    rows["conv"], rows["sat"] = conv, sat
    rows["value_text"] = text
    return rows


_ORDER = ["rid"]  # ties on a date go to the lowest record id
_KEY = ["person_id", "inst"]


def _first(rows: pd.DataFrame, mask: pd.Series, by: list[str], ascending: list[bool]) -> pd.DataFrame:
    """The first row per (person, inst) among `mask` rows, in the given order."""
    chosen = rows[mask.to_numpy()].sort_values(_KEY + by, ascending=[True, True] + ascending, kind="mergesort")
    return chosen.drop_duplicates(_KEY, keep="first").set_index(_KEY)


def _event_results(plan: Plan, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per (person, inst) with any matching event: v, reason, evidence."""
    rows = _judged_rows(plan, _hits(plan, tables))
    if rows.empty:
        return pd.DataFrame(columns=_KEY + ["v", "reason", "evidence"]).set_index(_KEY)
    inw = rows["in_window"]
    sat = rows["sat"].fillna(False).astype(bool)
    bad = rows["sat"].isna()
    keys = [rows["person_id"], rows["inst"]]

    def count(mask: pd.Series) -> pd.Series:
        return mask.groupby(keys).sum()

    stat = pd.DataFrame({"n_in": count(inw), "n_sat": count(inw & sat), "n_bad": count(inw & bad)})
    stat.index.names = _KEY
    stat["last_before"] = rows["event_date"].where(rows["before_window"]).groupby(keys).max()
    latest_day = rows["event_date"].where(inw).groupby(keys).transform("max")
    on_latest = inw & (rows["event_date"] == latest_day)
    stat["l_bad"] = count(on_latest & bad)
    stat["l_sat"] = count(on_latest & sat)
    stat["l_unsat"] = count(on_latest & ~sat & ~bad)
    stat["latest_date"] = latest_day.groupby(keys).max()
    grp_rows = rows[inw & rows["grp"].notna()]
    groups = grp_rows.drop_duplicates(_KEY + ["grp"]).sort_values(_KEY + ["grp"])
    stat["groups"] = groups.groupby(_KEY)["grp"].agg(", ".join)
    stat["n_groups"] = groups.groupby(_KEY)["grp"].size()

    by_date = ["event_date"] + _ORDER
    asc = [False] + [True] * len(_ORDER)
    picks = {
        "first_ev": _first(rows, inw, by_date, asc),
        "sat_ev": _first(rows, inw & sat, by_date, asc),
        "bad_ev": _first(rows, inw & bad, by_date, asc),
        "l_first_ev": _first(rows, on_latest, by_date, asc),
        "l_sat_ev": _first(rows, on_latest & sat, by_date, asc),
        "l_bad_ev": _first(rows, on_latest & bad, by_date, asc),
        "min_ev": _first(rows, inw & ~bad, ["conv", "event_date"] + _ORDER, [True, False] + asc[1:]),
        "max_ev": _first(rows, inw & ~bad, ["conv", "event_date"] + _ORDER, [False, False] + asc[1:]),
    }
    return _decide(plan, stat, picks)


def _inst_meta(plan: Plan) -> pd.DataFrame:
    """Per rule instance: what `_decide` needs, indexed by inst (looked up vectorized)."""
    return pd.DataFrame(
        {
            "has_count": [i.event.count is not None for i in plan.insts],
            "vkind": [i.vkind for i in plan.insts],
            "pick": [i.event.pick for i in plan.insts],
            "missing": [i.event.missing for i in plan.insts],
            "label": [i.event.label for i in plan.insts],
            "distinct": [i.event.count_distinct for i in plan.insts],
            "cnt_op": [i.event.count[0] if i.event.count else None for i in plan.insts],
            "cnt_n": [i.event.count[1] if i.event.count else np.nan for i in plan.insts],
            "no_data": [i.no_data_text() for i in plan.insts],
        },
        index=pd.Index([i.idx for i in plan.insts], name="inst"),
        dtype=object,
    )


def _decide(plan: Plan, stat: pd.DataFrame, picks: dict[str, pd.DataFrame]) -> pd.DataFrame:
    meta = _inst_meta(plan).reindex(stat.index.get_level_values("inst"))
    has_count = meta["has_count"].to_numpy(dtype=bool)
    vkind = meta["vkind"].to_numpy(dtype=object)
    pick = meta["pick"].to_numpy(dtype=object)
    missing = pd.array(meta["missing"].to_numpy(dtype=object), dtype="boolean")
    label = meta["label"].to_numpy(dtype=object)
    distinct = meta["distinct"].to_numpy(dtype=bool)
    n_groups = stat["n_groups"].fillna(0).to_numpy()
    cnt = np.where(distinct, n_groups, stat["n_in"].to_numpy()).astype(float)
    count_ok = np.zeros(len(stat), dtype=bool)
    for op in meta.loc[has_count, "cnt_op"].unique():  # one vectorized test per operator
        rows_ = has_count & (meta["cnt_op"] == op).to_numpy()
        count_ok[rows_] = compare(cnt[rows_], op, meta["cnt_n"].to_numpy(dtype=float)[rows_])
    n_in, n_sat, n_bad = (stat[c].to_numpy() for c in ("n_in", "n_sat", "n_bad"))
    l_bad, l_sat, l_unsat = (stat[c].to_numpy() for c in ("l_bad", "l_sat", "l_unsat"))
    conflict = (l_bad == 0) & (l_sat > 0) & (l_unsat > 0)
    min_sat = picks["min_ev"]["sat"].reindex(stat.index).astype("boolean").to_numpy()
    max_sat = picks["max_ev"]["sat"].reindex(stat.index).astype("boolean").to_numpy()
    unknown = pd.NA
    v = pd.array([unknown] * len(stat), dtype="boolean")
    conds = [
        (has_count & count_ok, True),
        (has_count, None),
        (n_in == 0, None),
        (vkind == "none", True),
        ((pick == "any") & (n_sat > 0), True),
        ((pick == "any") & (n_bad > 0), unknown),
        (pick == "any", False),
        ((pick == "latest") & ((l_bad > 0) | conflict), unknown),
        (pick == "latest", l_sat > 0),
        (n_bad > 0, unknown),
        (pick == "min", min_sat),
        (pick == "max", max_sat),
    ]
    decided = np.zeros(len(stat), dtype=bool)
    for cond, value in conds:
        todo = cond & ~decided
        if value is None:
            v[todo] = missing[todo]
        elif value is unknown:
            v[todo] = unknown
        elif isinstance(value, bool):
            v[todo] = value
        else:
            v[todo] = pd.array(value, dtype="boolean")[todo]
        decided |= todo
    is_unknown = np.asarray(pd.isna(v))
    stale = stat["last_before"].notna().to_numpy()
    reason = np.select(
        [~is_unknown, has_count | (n_in == 0), (pick == "latest") & (l_bad == 0)],
        [None, np.where(stale, "stale", "no_data"), "conflict"],
        default="unit_unknown",
    )
    no_data = meta["no_data"].to_numpy(dtype=object)
    evidence = _evidence(stat, picks, label, no_data, vkind, pick, has_count, distinct, cnt, conflict)
    return pd.DataFrame({"v": v, "reason": reason, "evidence": evidence}, index=stat.index)


def _txt(values, fill: str | None = "") -> np.ndarray:
    """Strings as a numpy object array (None → `fill`), so `+` concatenates element-wise."""
    arr = np.asarray(pd.Series(values).astype(object), dtype=object)
    return np.where(pd.isna(arr), fill, arr).astype(object)


def _day(values) -> np.ndarray:
    return _txt(pd.Series(values).dt.strftime("%Y-%m-%d"), None)


def _format_value(label: np.ndarray, vkind: np.ndarray, ev: pd.DataFrame) -> np.ndarray:
    """`<label> <value> <unit> (ULN x) (<side>) on <date> [<code>]`, as the SQL macro does."""
    num = ev["num"].to_numpy(dtype=float)
    shown_num = np.where(np.isnan(num), None, np.char.mod("%g", num).astype(object))
    text = _txt(ev["value_text"], None)
    concept = ev["value_concept"]
    from_concept = np.select(
        [concept.isin(POSITIVE_CONCEPTS), concept.isin(NEGATIVE_CONCEPTS)], ["positive", "negative"], None
    ).astype(object)
    qual = np.where(pd.isna(text), from_concept, text)
    value = np.where(vkind == "qual", qual, np.where(vkind == "in", text, shown_num))
    value = np.where(pd.isna(value), "(no value)", value).astype(object)
    unit = _txt(ev["unit"])
    high = ev["range_high"].to_numpy(dtype=float)
    shown_high = np.where(np.isnan(high), "?", np.char.mod("%g", high).astype(object))
    uln = np.where(vkind == "uln", " (ULN " + shown_high + ")", "")
    unit_part = np.where(unit != "", " " + unit, "")
    return (
        label + " " + value + unit_part + uln + _side(ev)
        + " on " + _txt(_day(ev["event_date"])) + " [" + _txt(ev["code"]) + "]"
    )  # fmt: skip


def _side(ev: pd.DataFrame) -> np.ndarray:
    side = _txt(ev["side"], None)
    return np.where(pd.isna(side), "", " (" + _txt(side) + ")").astype(object)


def _evidence(stat, picks, label, no_data, vkind, pick, has_count, distinct, cnt, conflict) -> np.ndarray:
    idx = stat.index
    label = _txt(label)
    last = _day(stat["last_before"])
    missing_text = no_data + np.where(pd.isna(last), "", "; last on " + _txt(last))
    groups = _txt(stat["groups"])
    count_text = label + ": " + cnt.astype(int).astype(str).astype(object) + np.where(
        distinct, " (" + groups + ")", ""
    )

    def value_of(name: str) -> np.ndarray:
        return _format_value(label, vkind, picks[name].reindex(idx))

    first = picks["first_ev"].reindex(idx)
    presence = (
        label + _side(first) + " on " + _txt(_day(first["event_date"])) + " [" + _txt(first["code"]) + "]"
    )
    n_in, n_sat, n_bad = (stat[c].to_numpy() for c in ("n_in", "n_sat", "n_bad"))
    l_bad, l_sat = stat["l_bad"].to_numpy(), stat["l_sat"].to_numpy()
    conflict_text = "conflicting " + label + " results on " + _txt(_day(stat["latest_date"]))
    choices = [
        (has_count, count_text),
        (n_in == 0, missing_text),
        (vkind == "none", presence),
        ((pick == "any") & (n_sat > 0), value_of("sat_ev")),
        ((pick == "any") & (n_bad > 0), value_of("bad_ev")),
        (pick == "any", value_of("first_ev")),
        ((pick == "latest") & (l_bad > 0), value_of("l_bad_ev")),
        ((pick == "latest") & conflict, conflict_text),
        ((pick == "latest") & (l_sat > 0), value_of("l_sat_ev")),
        (pick == "latest", value_of("l_first_ev")),
        (n_bad > 0, value_of("bad_ev")),
        (pick == "min", value_of("min_ev")),
    ]
    return np.select(
        [c for c, _ in choices], [np.asarray(t, dtype=object) for _, t in choices],
        default=np.asarray(value_of("max_ev"), dtype=object),
    )  # fmt: skip


# --------------------------------------------------------------------------- rule tree
def _node_values(plan: Plan, persons: pd.DataFrame, events: pd.DataFrame, as_of: date) -> dict:
    pid = persons["person_id"].astype("int64").to_numpy()
    n = len(pid)
    values: dict[int, tuple[pd.arrays.BooleanArray, np.ndarray, np.ndarray]] = {}
    age = _age(persons, as_of)
    gender = pd.to_numeric(persons["gender_concept_id"], errors="coerce").to_numpy()
    for node in plan.nodes:
        if node.kind == "leaf":
            values[node.idx] = _leaf(plan.insts[node.inst], events, pid)
        elif node.kind == "age":
            pred = node.predicate
            known = ~np.isnan(age)
            with np.errstate(invalid="ignore"):
                test = (
                    (age >= pred.v1) & (age <= pred.v2)
                    if pred.kind == "between"
                    else compare(age, pred.op, pred.v1)
                )
            v = pd.array(test, dtype="boolean")
            v[~known] = pd.NA
            shown = np.char.mod("%d", np.nan_to_num(age).astype(int))
            evidence = np.where(known, "age " + shown.astype(object) + f" on {as_of}", "year of birth not recorded")
            values[node.idx] = (v, np.where(known, None, "no_data").astype(object), evidence.astype(object))
        elif node.kind == "sex":
            known = np.isin(gender, (8507, 8532))
            v = pd.array(gender == (8532 if node.sex == "female" else 8507), dtype="boolean")
            v[~known] = pd.NA
            evidence = np.select([gender == 8532, gender == 8507], ["female", "male"], "sex not recorded")
            values[node.idx] = (v, np.where(known, None, "no_data").astype(object), evidence.astype(object))
        else:
            values[node.idx] = _combine(node, [values[c] for c in node.children], n)
    return values


def _age(persons: pd.DataFrame, as_of: date) -> np.ndarray:
    """Whole years at `as_of`; birth_datetime wins, missing month → July 1, day → 15th."""
    year = pd.to_numeric(persons["year_of_birth"], errors="coerce")
    month = pd.to_numeric(persons["month_of_birth"], errors="coerce")
    day = pd.to_numeric(persons["day_of_birth"], errors="coerce")
    day = day.where(day.notna(), np.where(month.isna(), 1, 15))
    month = month.fillna(7)
    stamp = (year * 10000 + month * 100 + day).fillna(0).astype("int64").astype(str).str.zfill(8)
    built = pd.to_datetime(stamp, format="%Y%m%d", errors="coerce")
    birth = pd.to_datetime(persons["birth_datetime"], errors="coerce").dt.normalize().fillna(built)
    before_birthday = (birth.dt.month > as_of.month) | (
        (birth.dt.month == as_of.month) & (birth.dt.day > as_of.day)
    )
    return (as_of.year - birth.dt.year - before_birthday.astype(float)).to_numpy(dtype=float)


def _leaf(inst: Inst, events: pd.DataFrame, pid: np.ndarray):
    from prescreen.criteria.sql_engine import _no_rows_result  # the same documented default

    dv, dr, de = _no_rows_result(inst)
    mine = events.xs(inst.idx, level="inst") if inst.idx in events.index.get_level_values("inst") else None
    v = pd.array([dv] * len(pid), dtype="boolean")
    reason = np.full(len(pid), dr, dtype=object)
    evidence = np.full(len(pid), de, dtype=object)
    if mine is not None:
        pos = pd.Index(pid).get_indexer(mine.index)
        keep = pos >= 0
        v[pos[keep]] = mine["v"].array[keep]
        reason[pos[keep]] = mine["reason"].to_numpy()[keep]
        evidence[pos[keep]] = mine["evidence"].to_numpy()[keep]
    return v, reason, evidence


def _join(parts: list[np.ndarray], sep: str) -> np.ndarray:
    """concat_ws: join the non-null strings of each row ('' when all are null)."""
    acc = np.full(len(parts[0]), None, dtype=object)
    for part in parts:
        part = np.asarray(part, dtype=object)
        has = ~pd.isna(part)
        both = has & ~pd.isna(acc)
        joined = np.where(both, acc.astype(str) + sep + part.astype(str), None).astype(object)
        acc = np.where(both, joined, np.where(has, part, acc)).astype(object)
    return np.where(pd.isna(acc), "", acc).astype(object)


def _combine(node: Node, kids: list, n: int):
    vals = [k[0] for k in kids]
    if node.kind == "not":
        v, r, e = kids[0]
        return ~v, r, e
    if node.kind in ("all", "limb", "any"):
        v = vals[0].copy()
        for other in vals[1:]:
            v = (v & other) if node.kind == "all" else (v | other)
    unknown = np.asarray(pd.isna(v))
    reason = np.full(n, None, dtype=object)
    for kv, kr, _ in reversed(kids):  # first unknown child wins
        reason = np.where(np.asarray(pd.isna(kv)), kr, reason)
    reason = np.where(unknown, reason, None)
    true_ = np.asarray(v.fillna(False), dtype=bool)
    false_ = np.asarray((~v).fillna(False), dtype=bool)
    if node.kind == "limb":
        (rv, _, re_), (lv, _, le) = kids
        r_txt = "right: " + pd.Series(re_, dtype=object).fillna("").to_numpy(dtype=object)
        l_txt = "left: " + pd.Series(le, dtype=object).fillna("").to_numpy(dtype=object)
        r_true = np.asarray(rv.fillna(False), dtype=bool)
        r_unk, l_unk = np.asarray(pd.isna(rv)), np.asarray(pd.isna(lv))
        evidence = np.select(
            [true_, false_],
            [np.where(r_true, r_txt, l_txt), _join([r_txt, l_txt], " | ")],
            default=_join([np.where(r_unk, r_txt, None), np.where(l_unk, l_txt, None)], " | "),
        )
        return v, reason, evidence
    decisive = false_ if node.kind == "all" else true_
    first = np.full(n, None, dtype=object)
    for kv, _, ke in reversed(kids):
        hit = np.asarray((~kv if node.kind == "all" else kv).fillna(False), dtype=bool)
        first = np.where(hit, ke, first)
    every = _join([k[2] for k in kids], "; ")
    unknown_ev = _join([np.where(np.asarray(pd.isna(kv)), ke, None) for kv, _, ke in kids], "; ")
    evidence = np.select([decisive, ~unknown], [first, every], default=unknown_ev)
    return v, reason, evidence


# --------------------------------------------------------------------------- output
def _criterion_rows(plan: Plan, pid: np.ndarray, values: dict) -> pd.DataFrame:
    frames = []
    n = len(pid)
    for order, out in enumerate(plan.outputs):
        if out.manual:
            result = np.full(n, "manual", dtype=object)
            reason = np.full(n, None, dtype=object)
            ev_node = out.evidence_node
            evidence = values[ev_node][2] if ev_node is not None else np.full(n, None, dtype=object)
        else:
            v, r, evidence = values[out.node]
            unknown = np.asarray(pd.isna(v))
            truth = np.asarray(v.fillna(False), dtype=bool)
            passing = truth if out.kind == "inclusion" else ~truth
            result = np.where(unknown, "unknown", np.where(passing, "pass", "fail")).astype(object)
            reason = np.where(unknown, r, None)
        frames.append(
            pd.DataFrame(
                {"person_id": pid, "ord": order, "criterion_id": out.id, "result": result,
                 "evidence": evidence, "reason": reason}
            )  # fmt: skip
        )
    frame = pd.concat(frames, ignore_index=True).sort_values(["person_id", "ord"], kind="mergesort")
    return frame[RESULT_COLUMNS].reset_index(drop=True)
