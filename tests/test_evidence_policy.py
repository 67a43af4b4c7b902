"""Evidence on demand (#13.2): the `needed` policy writes evidence text exactly where
someone reads it (the worklist's persons, every row; the failing criteria of the
ineligible, with their sub-rules) and the same text the `all` policy writes there; results
and reasons never depend on the policy."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from sample_screen import COLUMNS, D, loaded_sample

from prescreen.criteria.model import Limb, SubRule, Trial
from prescreen.criteria.parse import load_trial
from prescreen.criteria.sql_engine import screen_into

WORKLIST = 120


def _screens(trial: Trial | None = None) -> tuple[Trial, dict[str, pd.DataFrame]]:
    con, nl003 = loaded_sample()
    trial = trial or nl003
    frames = {}
    for policy in ("all", "needed", "none"):
        tables = screen_into(con, trial, D, evidence=policy, worklist_limit=WORKLIST)
        assert tables.evidence_policy == policy
        frames[policy] = con.execute(
            f"select {COLUMNS} from criterion_result order by person_id, ord"
        ).df()
    frames["sites"] = con.execute("select person_id, site from person_site").df()
    con.close()
    return trial, frames


@pytest.fixture(scope="module")
def screens():
    return _screens()


def _status(frame: pd.DataFrame, top: set[str]) -> pd.Series:
    tops = frame[frame["criterion_id"].isin(top)]
    fail = tops.groupby("person_id")["result"].apply(lambda r: (r == "fail").any())
    unknown = tops.groupby("person_id")["result"].apply(lambda r: (r == "unknown").any())
    labels = ["ineligible" if f else "needs_review" if u else "likely_eligible"
              for f, u in zip(fail, unknown, strict=True)]  # fmt: skip
    return pd.Series(labels, index=fail.index)


def test_results_and_reasons_do_not_depend_on_the_policy(screens):
    _, frames = screens
    keep = ["person_id", "criterion_id", "result", "reason"]
    for policy in ("needed", "none"):
        pd.testing.assert_frame_equal(frames["all"][keep], frames[policy][keep])
    assert frames["none"]["evidence"].isna().all()
    assert frames["all"]["evidence"].notna().mean() > 0.8


def test_needed_evidence_is_the_full_text_where_someone_reads_it(screens):
    _assert_needed_is_full_where_read(*screens)


def test_a_some_limb_group_keeps_both_limbs_in_the_text_of_the_ineligible():
    """The evidence pass reads an ineligible person's limb-scoped rules on its target limb
    only, but a limb group outside a limb-scoped row (an evidence_rule) means "some limb":
    its text, kept for a failing criterion's manual sub-rule, still names both limbs."""
    nl003 = load_trial("nl003-cli-iii-2", {})
    i2 = next(c for c in nl003.criteria if c.id == "I2")
    hemodynamics = next(s for s in i2.subrules if s.id == "I2.hemodynamics").rule
    some_limb = Limb(child=hemodynamics)
    criteria = []
    for c in nl003.criteria:
        if c.rule is not None and not c.manual and c.id not in {"I2", "I3", "E5"}:
            extra = SubRule(id=f"{c.id}.limbs", rule=None, manual=True, evidence_rule=some_limb)
            c = replace(c, subrules=(*c.subrules, extra))
        criteria.append(c)
    trial = replace(nl003, criteria=criteria)
    trial, frames = _screens(trial)
    full = frames["all"]
    shown = full[full["criterion_id"].str.endswith(".limbs") & full["evidence"].notna()]
    both = shown["evidence"].str.contains("right: ") & shown["evidence"].str.contains("left: ")
    assert both.any()  # texts that read the events of both limbs
    _assert_needed_is_full_where_read(trial, frames)


def _assert_needed_is_full_where_read(trial: Trial, frames: dict[str, pd.DataFrame]) -> None:
    full, needed = frames["all"], frames["needed"]
    top = set(trial.criterion_ids())
    status = _status(full, top)
    # the worklist's order: likely_eligible first, the sites taking turns within a status
    site = frames["sites"].set_index("person_id")["site"]
    candidates = status[status != "ineligible"].rename("status").reset_index()
    candidates["site"] = candidates["person_id"].map(site)
    candidates["rank"] = candidates["status"].ne("likely_eligible").astype(int)
    candidates = candidates.sort_values("person_id")
    candidates["turn"] = candidates.groupby(["site", "rank"]).cumcount()
    order = candidates.sort_values(["rank", "turn", "person_id"])["person_id"].tolist()
    worklist = set(order[:WORKLIST])
    assert len(worklist) == WORKLIST < len(candidates)
    parent = full["criterion_id"].str.split(".").str[0]
    failed = full[full["result"].eq("fail") & full["criterion_id"].isin(top)]
    failing = set(zip(failed["person_id"], failed["criterion_id"], strict=True))
    ineligible = full["person_id"].map(status).eq("ineligible")
    pairs = zip(full["person_id"], parent, strict=True)
    decided = pd.Series([pair in failing for pair in pairs], index=full.index)
    shown = full["person_id"].isin(worklist) | (ineligible & decided)
    pd.testing.assert_series_equal(needed.loc[shown, "evidence"], full.loc[shown, "evidence"])
    assert needed.loc[~shown, "evidence"].isna().all()
    # the ineligible keep the evidence of what excluded them, never of the rest
    assert (ineligible & decided).sum() > 0 and (ineligible & ~decided).sum() > 0


def test_auto_gives_every_row_evidence_exactly_where_criteria_csv_lists_everyone(monkeypatch):
    from prescreen.criteria import sql_engine
    from prescreen.report import options
    from prescreen.stages import evidence_policy

    # one threshold for both: criteria.csv lists everyone exactly where every row has text
    assert sql_engine.FULL_EVIDENCE_PERSONS == options.CRITERIA_CSV_ALL_MAX_PERSONS
    assert evidence_policy("auto", "all") == "all"  # --criteria-csv all: texts for all rows
    assert evidence_policy("auto", "auto") == "auto"  # the engine decides by size
    assert evidence_policy("needed", "all") == "needed"  # an explicit choice stands
    con, trial = loaded_sample()
    small = screen_into(con, trial, D, evidence="auto", worklist_limit=WORKLIST)
    assert small.evidence_policy == "all" and small.persons <= options.CRITERIA_CSV_ALL_MAX_PERSONS
    monkeypatch.setattr(sql_engine, "FULL_EVIDENCE_PERSONS", small.persons - 1)
    large = screen_into(con, trial, D, evidence="auto", worklist_limit=WORKLIST)
    assert large.evidence_policy == "needed"
    texts = con.execute("select count(evidence), count(*) from criterion_result").fetchall()[0]
    assert 0 < texts[0] < texts[1]
    con.close()


def test_the_evidence_pass_reads_exactly_the_persons_the_worklist_lists(monkeypatch):
    """One order for both (sql/marts/worklist_order.sql): the persons whose every row gets
    its evidence are the persons worklist.xlsx and criteria.csv list, cap, per-sheet
    bound (outputs.WORKLIST_SHEET_MAX, here shrunk) and all."""
    from prescreen import outputs
    from prescreen.report.worklist import select_worklist
    from prescreen.status import patient_status

    con, trial = loaded_sample()
    for limit, sheet_max in ((WORKLIST, None), (7, None), (0, 3)):
        if sheet_max is not None:
            monkeypatch.setattr(outputs, "WORKLIST_SHEET_MAX", sheet_max)
        screen_into(con, trial, D, evidence="needed", worklist_limit=limit)
        patient_status(con, trial.criterion_ids())
        shown = select_worklist(con, limit).shown
        assert shown == (
            limit or 3 * len(con.execute("select distinct site_id from person_site").fetchall())
        )
        listed = con.execute("select person_id from worklist_person order by 1").fetchall()
        read = con.execute("select person_id from ps_need where all_rows order by 1").fetchall()
        assert read == listed
    con.close()
