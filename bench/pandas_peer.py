"""The pandas peer: NL003 screened the way an analyst would write it in a notebook.

    python bench/pandas_peer.py --extract bench/data/p100000 --out peer.parquet

Reads the Parquet tables with pandas, filters by code lists, groups by person (and limb),
combines the computable criteria with three-valued logic (1 = true, 0 = false, NaN =
unknown) and writes one status per person. It follows trials/nl003-cli-iii-2.yaml
reasonably faithfully but is independent of prescreen (no validation/quarantine, no
evidence text, no concept ids): a yardstick for speed, with status agreement as a sanity check.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

D = pd.Timestamp("2026-11-01")
DAYS = lambda n: D - pd.Timedelta(days=n)  # noqa: E731
MONTHS = lambda n: D - pd.DateOffset(months=n)  # noqa: E731
MMHG = {"mm[Hg]": 1.0, "mmHg": 1.0, "kPa": 7.50062}
RATIO = {"": 1.0, "1": 1.0, "{ratio}": 1.0, "{score}": 1.0}
PCT = {"%": 1.0}
CM2 = {"cm2": 1.0, "mm2": 0.01}
G_L = {"g/L": 1.0, "g/dL": 10.0, "mg/dL": 0.01, "mg/L": 0.001, "mmol/L": 16.11}
COUNT = {
    "10*9/L": 1.0,
    "10*3/uL": 1.0,
    "10*3/mm3": 1.0,
    "/uL": 0.001,
    "/mm3": 0.001,
    "10*6/L": 0.001,
}
POS, NEG = (
    {"positive", "reactive", "detected"},
    {"negative", "non-reactive", "nonreactive", "not detected"},
)


def rx(patterns: list[str]) -> re.Pattern:
    """Glob patterns (* any run, ? one character) → one anchored regex."""
    parts = [re.escape(p).replace(r"\*", ".*").replace(r"\?", ".") for p in patterns]
    return re.compile("^(?:" + "|".join(parts) + ")$")


def match(codes: pd.Series, include: list[str], exclude: list[str] = ()) -> pd.Series:
    """Boolean mask of rows whose code matches (evaluated once per distinct code)."""
    cats = codes.cat.categories
    inc = rx(include)
    ok = np.array([bool(inc.match(c)) for c in cats])
    if exclude:
        exc = rx(list(exclude))
        ok &= np.array([not exc.match(c) for c in cats])
    return pd.Series(
        ok[codes.cat.codes.to_numpy()] & (codes.cat.codes.to_numpy() >= 0), index=codes.index
    )


def side_of(codes: pd.Series, sides: dict[str, list[str]] | None) -> pd.Series:
    """R / L from the code set's side patterns, else from a |R / |L segment; else None."""
    cats = pd.Series(codes.cat.categories)
    r, l_ = (rx(sides["R"]), rx(sides["L"])) if sides else (None, None)

    def one(c: str) -> str | None:
        if r is not None and r.match(c):
            return "R"
        if l_ is not None and l_.match(c):
            return "L"
        segments = c.split("|")
        return "R" if "R" in segments else ("L" if "L" in segments else None)

    mapped = cats.map(one)
    return pd.Series(mapped.to_numpy()[codes.cat.codes.to_numpy()], index=codes.index)


# --------------------------------------------------------------------------- 3-valued logic
def all_(*parts: pd.Series) -> pd.Series:
    df = pd.concat(parts, axis=1)
    return pd.Series(
        np.where(df.eq(0).any(axis=1), 0.0, np.where(df.isna().any(axis=1), np.nan, 1.0)), df.index
    )


def any_(*parts: pd.Series) -> pd.Series:
    df = pd.concat(parts, axis=1)
    return pd.Series(
        np.where(df.eq(1).any(axis=1), 1.0, np.where(df.isna().any(axis=1), np.nan, 0.0)), df.index
    )


def not_(s: pd.Series) -> pd.Series:
    return 1.0 - s


def limb(per_side: pd.Series, persons: pd.Index) -> pd.Series:
    """Per-(person, side) result → per person: one side true wins, all sides false fails."""
    wide = per_side.unstack("side").reindex(index=persons, columns=["R", "L"])
    return any_(wide["R"], wide["L"])


# --------------------------------------------------------------------------- event rules
class Screen:
    def __init__(self, folder: Path):
        cols = {
            "condition_occurrence": ["person_id", "condition_source_value", "condition_start_date", "condition_end_date"],
            "procedure_occurrence": ["person_id", "procedure_source_value", "procedure_date"],
            "drug_exposure": ["person_id", "drug_source_value", "drug_exposure_start_date",
                              "drug_exposure_end_date", "days_supply"],
            "measurement": ["person_id", "measurement_source_value", "measurement_date", "value_as_number",
                            "unit_source_value", "range_high", "value_as_concept_id", "value_source_value"],
            "observation": ["person_id", "observation_source_value", "observation_date", "value_as_number",
                            "unit_source_value", "value_as_concept_id", "value_as_string"],
        }  # fmt: skip
        self.person = pd.read_parquet(folder / "person.parquet")
        self.persons = pd.Index(self.person["person_id"].sort_values().to_numpy(), name="person_id")
        # codes and units read dictionary-encoded (pandas categoricals): a few thousand
        # distinct strings instead of one Python string per row
        t = {
            name: pd.read_parquet(
                folder / f"{name}.parquet", columns=c,
                read_dictionary=[x for x in c if x.endswith("source_value") or x == "unit_source_value"],
            )
            for name, c in cols.items()
        }  # fmt: skip
        self.t = {name: self._normalise(name, df) for name, df in t.items()}

    @staticmethod
    def _normalise(name: str, df: pd.DataFrame) -> pd.DataFrame:
        df.columns = [
            {"condition_source_value": "code", "procedure_source_value": "code", "drug_source_value": "code",
             "measurement_source_value": "code", "observation_source_value": "code",
             "condition_start_date": "date", "procedure_date": "date", "drug_exposure_start_date": "date",
             "measurement_date": "date", "observation_date": "date", "unit_source_value": "unit",
             "value_as_concept_id": "vconcept", "value_source_value": "vtext",
             "value_as_string": "vtext"}.get(c, c)
            for c in df.columns
        ]  # fmt: skip
        df["code"] = _blank_for_null(df["code"])
        df["date"] = pd.to_datetime(df["date"])
        if name == "condition_occurrence":
            df["end"] = pd.to_datetime(df["condition_end_date"])
        elif name == "drug_exposure":
            supply_end = df["date"] + pd.to_timedelta(df["days_supply"].fillna(1) - 1, unit="D")
            df["end"] = pd.to_datetime(df["drug_exposure_end_date"]).fillna(supply_end)
        if "unit" in df:
            df["unit"] = _blank_for_null(df["unit"])
        return df

    def event(
        self,
        table: str,
        codes: list[str],
        *,
        exclude=(),
        lo=None,
        hi=D,
        active=False,
        value=None,
        pick="any",
        missing=None,
        sides=None,
        by_side=False,
    ) -> pd.Series:
        """One event rule: 1/0/NaN per person (or per person and side when `by_side`)."""
        df = self.t[table]
        m = match(df["code"], codes, exclude) & (df["date"] <= hi)
        if lo is not None:
            m &= df["date"] >= lo
        if active:
            m &= df["end"].isna() | (df["end"] >= D)
        rows = df[m]
        keys = ["person_id"]
        if by_side:
            rows = rows.assign(side=side_of(rows["code"], sides)).dropna(subset=["side"])
            keys = ["person_id", "side"]
        if missing is None:
            missing = np.nan if value is not None else 0.0
        if value is None:
            hit = pd.Series(
                1.0,
                index=pd.MultiIndex.from_frame(rows[keys].drop_duplicates())
                if by_side
                else pd.Index(rows["person_id"].unique(), name="person_id"),
            )
            return self._fill(hit, missing, by_side)
        sat = value(rows)
        rows = rows.assign(sat=sat)
        if pick == "any":
            g = rows.groupby(keys)["sat"]
            res = pd.Series(
                np.where(g.max() == 1, 1.0, np.where(g.count() < g.size(), np.nan, 0.0)),
                index=g.max().index,
            )
        else:  # latest: the rows on the latest date decide; disagreement is unknown
            latest = rows["date"] == rows.groupby(keys)["date"].transform("max")
            g = rows[latest].groupby(keys)["sat"]
            lo_, hi_, n_nan = g.min(), g.max(), g.size() - g.count()
            res = pd.Series(np.where((n_nan > 0) | (lo_ != hi_), np.nan, lo_), index=lo_.index)
        return self._fill(res, missing, by_side)

    def _fill(self, res: pd.Series, missing: float, by_side: bool) -> pd.Series:
        if by_side:
            full = pd.MultiIndex.from_product(
                [self.persons, ["R", "L"]], names=["person_id", "side"]
            )
            return res.reindex(full).fillna(missing) if not np.isnan(missing) else res.reindex(full)
        out = res.reindex(self.persons)
        return out.fillna(missing) if not np.isnan(missing) else out


def _blank_for_null(col: pd.Series) -> pd.Series:
    """A categorical column with missing values read as the empty string."""
    col = col if isinstance(col.dtype, pd.CategoricalDtype) else col.astype("category")
    if col.isna().any():
        if "" not in col.cat.categories:
            col = col.cat.add_categories([""])
        col = col.fillna("")
    return col


def num(op: str, threshold: float, units: dict[str, float]):
    """A numeric predicate after unit conversion; an unconvertible unit is NaN."""

    def predicate(rows: pd.DataFrame) -> pd.Series:
        v = rows["value_as_number"] * rows["unit"].map(units).astype(float)
        s = {"<": v < threshold, "<=": v <= threshold, ">": v > threshold,
             ">=": v >= threshold, "=": v == threshold}[op].astype(float)  # fmt: skip
        return s.where(v.notna())

    return predicate


def uln(factor: float):
    def predicate(rows: pd.DataFrame) -> pd.Series:
        rh = rows["range_high"].where(rows["range_high"] > 0)
        v = rows["value_as_number"] / rh
        return (v > factor).astype(float).where(v.notna())

    return predicate


def qual(want_positive: bool):
    def predicate(rows: pd.DataFrame) -> pd.Series:
        text = rows["vtext"].astype("string").fillna("").str.strip().str.lower()
        pos = rows["vconcept"].isin([9191, 45884084]) | (
            ~rows["vconcept"].isin([9189, 45878583]) & text.isin(POS)
        )
        neg = rows["vconcept"].isin([9189, 45878583]) | (
            ~rows["vconcept"].isin([9191, 45884084]) & text.isin(NEG)
        )
        v = pd.Series(np.where(pos, 1.0, np.where(neg, 0.0, np.nan)), index=rows.index)
        return v if want_positive else 1.0 - v

    return predicate


def one_of(values: list[str]):
    def predicate(rows: pd.DataFrame) -> pd.Series:
        text = rows["vtext"].astype("string").str.strip().str.lower()
        return text.isin(values).astype(float).where(text.notna())

    return predicate


# --------------------------------------------------------------------------- the trial
def screen(s: Screen) -> pd.DataFrame:
    p = s.person.set_index("person_id").reindex(s.persons)
    birth = pd.to_datetime(p["birth_datetime"]).dt.normalize()
    month = p["month_of_birth"].fillna(7)
    day = p["day_of_birth"].fillna(
        pd.Series(np.where(p["month_of_birth"].isna(), 1, 15), index=p.index)
    )
    ymd = pd.to_datetime(dict(year=p["year_of_birth"], month=month, day=day), errors="coerce")
    birth = birth.fillna(ymd)
    age = D.year - birth.dt.year - ((birth.dt.month * 100 + birth.dt.day) > (D.month * 100 + D.day))
    male = (
        (p["gender_concept_id"] == 8507)
        .astype(float)
        .where(p["gender_concept_id"].isin([8507, 8532]))
    )
    ev = s.event
    M, O, C, P_, R = (  # noqa: E741
        "measurement",
        "observation",
        "condition_occurrence",
        "procedure_occurrence",
        "drug_exposure",
    )
    limb_sides = {"R": ["8580-3"], "L": ["8579-5"]}
    r: dict[str, pd.Series] = {}

    r["I1"] = ((age >= 20) & (age <= 80)).astype(float).where(age.notna())
    per_side = all_(
        any_(ev(O, ["RUTHERFORD|R", "RUTHERFORD|L"], by_side=True),
             ev(M, ["8580-3", "8579-5", "ANKLE_SBP|*", "TCPO2|*", "STENOSIS|*"], sides=limb_sides, by_side=True)),
        ev(O, ["RUTHERFORD|R", "RUTHERFORD|L"], lo=DAYS(90), value=num("=", 5, RATIO), pick="latest", by_side=True),
        any_(ev(M, ["ANKLE_SBP|R", "ANKLE_SBP|L"], lo=DAYS(90), value=num("<=", 70, MMHG), pick="latest", by_side=True),
             ev(M, ["8580-3", "8579-5"], lo=DAYS(90), value=num("<=", 0.5, RATIO), pick="latest",
                sides=limb_sides, by_side=True),
             ev(M, ["TCPO2|R", "TCPO2|L"], lo=DAYS(90), value=num("<", 30, MMHG), pick="latest", by_side=True)),
        ev(M, [f"STENOSIS|{a}|*|{m}" for a in ("SFA", "POP", "ATA", "PTA", "PER") for m in ("DSA", "CTA")],
           lo=MONTHS(3), value=num(">=", 70, PCT), pick="any", by_side=True),
    )  # fmt: skip
    r["I2"] = all_(
        ev(C, ["I70.2*", "I70.3*", "I70.4*", "I70.5*", "I70.6*", "I70.7*", "I73.9"]),
        any_(ev(P_, ["75710", "75716", "75635", "73706"], lo=MONTHS(3), missing=np.nan),
             ev(M, ["STENOSIS|*|*|DSA", "STENOSIS|*|*|CTA"], lo=MONTHS(3), missing=np.nan)),
        limb(per_side, s.persons),
    )  # fmt: skip
    ulcer_sides = {"R": ["L97.?1*", "I70.23*"], "L": ["L97.?2*", "I70.24*"]}
    bone_sides = {"R": ["L97.?1?"], "L": ["L97.?2?"]}
    ulcer = ["L97.*", "I70.23*", "I70.24*"]
    gangrene = ["GANGRENE_EXTENT|R", "GANGRENE_EXTENT|L"]
    i3 = all_(
        all_(ev(C, ulcer, active=True, sides=ulcer_sides, by_side=True),
             ev(C, ulcer, hi=DAYS(14), sides=ulcer_sides, by_side=True)),
        ev(M, ["ULCER_AREA|R", "ULCER_AREA|L"], lo=DAYS(90), value=num("<=", 10, CM2), pick="latest", by_side=True),
        ev(O, ["ULCER_COUNT|R", "ULCER_COUNT|L"], lo=DAYS(90), value=num("<=", 3, RATIO), pick="latest", by_side=True),
        all_(ev(O, ["ULCER_EXPOSURE|R", "ULCER_EXPOSURE|L"], lo=DAYS(90), value=one_of(["none", "fascia", "tendon"]),
                pick="latest", by_side=True),
             not_(ev(C, ["L97.??4", "L97.??6"], active=True, sides=bone_sides, by_side=True))),
        any_(ev(O, gangrene, lo=DAYS(90), value=one_of(["none", "partial_toe"]), pick="latest", by_side=True),
             all_(not_(ev(O, gangrene, lo=DAYS(90), by_side=True)),
                  not_(ev(C, ["I70.26*"], active=True, sides={"R": ["I70.261", "I70.263"], "L": ["I70.262"]},
                          by_side=True)),
                  not_(ev(C, ["I70.26*"], active=True, sides={"R": ["I70.261"], "L": ["I70.262", "I70.263"]},
                          by_side=True)))),
    )  # fmt: skip
    r["I3"] = limb(i3, s.persons)
    r["I5"] = any_(
        male,
        (age > 55).astype(float).where(age.notna()),
        ev(M, ["2118-8"], lo=DAYS(14), value=qual(False), pick="latest"),
    )
    x: dict[str, pd.Series] = {}
    x["E1"] = ev(C, ["I74.3*", "I74.4*", "I74.5*"], lo=DAYS(28))
    revasc = (
        [f"3722{i}" for i in range(10)]
        + [f"3723{i}" for i in range(6)]
        + [f"047{c}*" for c in "KLMNPQRSTUVWY"]
    )
    bypass = ["35556", "35566", "35571", "35656", "35666", "35671"] + [
        f"041{c}*" for c in "KLMNPQRSTUVW"
    ]
    amput = (
        [str(c) for c in range(27590, 27599)]
        + [str(c) for c in range(27880, 27890)]
        + [str(c) for c in range(28800, 28826)]
        + ["0Y6*"]
    )
    x["E2"] = ev(P_, revasc + bypass + ["64818", "01BN0ZZ"] + amput, lo=DAYS(28))
    x["E4"] = ev(
        M,
        ["STENOSIS|AO|*", "STENOSIS|CIA|*", "STENOSIS|EIA|*"],
        lo=MONTHS(12),
        value=num(">=", 70, PCT),
    )
    x["E5"] = any_(
        ev(C, ["L03.115", "L03.116", "L03.03*", "M86.*", "M72.6"], active=True),
        limb(ev(O, ["ULCER_EXPOSURE|R", "ULCER_EXPOSURE|L"], lo=DAYS(90), pick="latest", missing=0.0,
                value=one_of(["fascia", "tendon", "joint_capsule", "bone"]), by_side=True), s.persons),
        ev(C, ["L97.??3", "L97.??4", "L97.??5", "L97.??6"], active=True),
    )  # fmt: skip
    nyha = lambda missing: ev(  # noqa: E731
        O, ["88020-3"], lo=MONTHS(12), value=num(">=", 3, RATIO), pick="latest", missing=missing
    )
    x["E6"] = any_(nyha(0.0), all_(ev(C, ["I50.*"]), nyha(np.nan)))
    x["E7"] = ev(C, ["I63.*", "I61.*", "I21.*", "I22.*", "I20.0"], lo=MONTHS(3))
    drugs = s.t[R]
    active_drugs = drugs[
        (drugs["date"] <= D)
        & (drugs["end"] >= D)
        & match(drugs["code"], ["C02*", "C03*", "C07*", "C08*", "C09*"])
    ]
    classes = (
        active_drugs.assign(cls=active_drugs["code"].astype("string").str[:3])
        .groupby("person_id")["cls"]
        .nunique()
    )
    treated = (classes >= 3).astype(float).reindex(s.persons).fillna(0.0)
    x["E8"] = all_(
        treated,
        any_(
            ev(M, ["8480-6"], lo=DAYS(90), value=num(">=", 180, MMHG), pick="latest"),
            ev(M, ["8462-4"], lo=DAYS(90), value=num(">=", 110, MMHG), pick="latest"),
        ),
    )
    retino = [f"E1{d}.35{k}*" for d in "013" for k in "123459"] + ["H35.2*"]
    x["E9"] = ev(C, retino)
    x["E11"] = ev(
        C,
        [
            "K70.31",
            "K70.4*",
            "K72.*",
            "K74.6*",
            "K76.6",
            "K76.7",
            "R17",
            "R18.*",
            "I85.01",
            "I85.11",
        ],
        active=True,
    )
    x["E12"] = any_(
        ev(R, ["L04*", "L01*", "L02*"], active=True),
        ev(P_, [f"96{k}?" for k in range(40, 55)] + ["7726?", "7727?", "7728?", "7729?", "773??", "774??", "775??",
                                                     "776??", "777??"], exclude=["96400", "77260"], lo=DAYS(28)),
    )  # fmt: skip
    x["E13"] = any_(
        ev(C, ["B20", "Z21"]), ev(M, ["7917-8", "56888-1"], value=qual(True), pick="latest"),
        ev(C, ["B18.2"]), ev(M, ["16128-1", "13955-0"], value=qual(True), pick="latest"),
        ev(C, ["B18.0", "B18.1"]), ev(M, ["5196-1", "5195-3"], value=qual(True), pick="latest"),
    )  # fmt: skip
    lab = lambda codes, pred: ev(M, codes, lo=DAYS(90), value=pred, pick="latest")  # noqa: E731
    x["E14"] = any_(
        lab(["718-7"], num("<", 80, G_L)), lab(["6690-2", "26464-8"], num("<", 3.0, COUNT)),
        lab(["777-3", "26515-7"], num("<", 75, COUNT)),
        any_(lab(["1920-8"], uln(3)), lab(["1742-6"], uln(3))), lab(["2160-0", "14682-9"], uln(3)),
    )  # fmt: skip
    high = any_(
        ev(M, ["4548-4", "17856-6"], lo=DAYS(90), value=num(">", 10, PCT), pick="latest", missing=0.0),
        ev(M, ["59261-8"], lo=DAYS(90), value=num(">", 85.8, {"mmol/mol": 1.0}), pick="latest", missing=0.0),
    )  # fmt: skip
    diabetic = any_(ev(C, ["E08*", "E09*", "E10*", "E11*", "E13*"]), ev(R, ["A10*"]))
    recorded = ev(M, ["4548-4", "17856-6", "59261-8"], lo=DAYS(90), missing=np.nan)
    x["E15"] = any_(high, all_(diabetic, not_(recorded)))
    x["E16"] = ev(C, [f"C{d}*" for d in range(10)] + ["Z85*"])
    sud = ["F10.1*", "F10.2*", "F11*", "F12*", "F13*", "F14*", "F15*", "F16*", "F18*", "F19*"]
    x["E18"] = any_(
        any_(ev(C, sud, exclude=["F1?.11", "F1?.21"], lo=MONTHS(12)),
             ev(C, sud, exclude=["F1?.11", "F1?.21"], active=True)),
        ev(O, ["ALCOHOL_UNITS_WEEK"], lo=MONTHS(12), value=num(">", 24.85, RATIO)),
    )  # fmt: skip
    x["E19"] = ev(O, ["TRIAL_PARTICIPATION"], lo=MONTHS(3))

    passed = pd.DataFrame({**r, **{k: not_(v) for k, v in x.items()}})  # 1 = criterion passes
    n_fail = passed.eq(0).sum(axis=1)
    n_unknown = passed.isna().sum(axis=1)
    status = np.select(
        [n_fail > 0, n_unknown > 0], ["ineligible", "needs_review"], "likely_eligible"
    )
    return pd.DataFrame({"person_id": s.persons.to_numpy(), "status": status})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--extract", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    tick = time.perf_counter()
    s = Screen(args.extract)
    read = time.perf_counter() - tick
    statuses = screen(s)
    total = time.perf_counter() - tick
    args.out.parent.mkdir(parents=True, exist_ok=True)
    statuses.to_parquet(args.out, index=False)
    counts = statuses["status"].value_counts().to_dict()
    print(json.dumps({"timings": {"peer_read": read, "peer_total": total}, "counts": counts}))


if __name__ == "__main__":
    main()
