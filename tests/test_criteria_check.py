"""`prescreen criteria check`: each rule has a passing and a failing example, with its line.

Also the malicious corpus: a criteria file is untrusted data, so SQL in codes and text,
`../` paths, alias bombs and absurdly long lists end in a clear CriteriaError, and
nothing from the file ever reaches the SQL text.
"""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest

from prescreen.criteria.check import check_files
from prescreen.criteria.parse import load_trial
from prescreen.criteria.plan import build_plan
from prescreen.criteria.sql_compile import compile_screen
from prescreen.criteria.sql_engine import evaluate_sql
from prescreen.errors import CriteriaError

VALID = """\
trial:
  id: T-1
  title: Test trial
  version: "1"
parameters:
  E1.hb_min:
    default: 80
    unit: g/L
    note: protocol says < 80 g/L
codesets:
  hb:
    codes: ["718-7"]
criteria:
  - id: I1
    kind: inclusion
    text: Adults.
    rule: {age: ">= 18"}
  - id: E1
    kind: exclusion
    text: Anaemia.
    rule:
      event: measurement
      codes: hb
      value: "< $E1.hb_min g/L"
      pick: latest
"""


def _check(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "trial.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return check_files([path])


def test_valid_file_has_no_problems(tmp_path):
    assert _check(tmp_path, VALID) == []


# Each entry: (what is broken, replacement applied to VALID, expected line, message part)
BROKEN = [
    (
        "unknown key",
        ("    pick: latest\n", "    pick: latest\n      colour: red\n"),
        26,
        "unknown key 'colour'",
    ),
    (
        "unknown unit",
        ('"< $E1.hb_min g/L"', '"< $E1.hb_min furlongs"'),
        24,
        "unknown unit 'furlongs'",
    ),
    ("bad code pattern", ('["718-7"]', '["718-7%"]'), 12, "code pattern '718-7%' is invalid"),
    ("duplicate id", ("  - id: E1\n", "  - id: I1\n"), 18, "duplicate criterion id I1"),
    (
        "undeclared parameter",
        ("$E1.hb_min g/L", "$E1.hb_max g/L"),
        24,
        "parameter E1.hb_max does not exist",
    ),
    ("unused parameter", ("$E1.hb_min g/L", "80 g/L"), 7, "E1.hb_min is declared but never used"),
    (
        "unknown codeset",
        ("      codes: hb\n", "      codes: hemoglobin\n"),
        23,
        "no codeset named 'hemoglobin'",
    ),
    (
        "bad window",
        ("      pick: latest\n", "      pick: latest\n      window: {within: soon}\n"),
        26,
        "duration 'soon'",
    ),
    (
        "bad kind",
        ("    kind: exclusion\n", "    kind: maybe\n"),
        19,
        "kind must be inclusion or exclusion",
    ),
    ("bad predicate", ('"< $E1.hb_min g/L"', '"lowish"'), 24, "value 'lowish'"),
    (
        "manual without reason",
        ('    rule: {age: ">= 18"}\n', "    manual: true\n"),
        14,
        "needs a reason",
    ),
    (
        "pick without value",
        ('      value: "< $E1.hb_min g/L"\n', ""),
        24,
        "pick applies only with a value test",
    ),
    # a parameter declared in one unit and used with another would compare silently wrong
    (
        "parameter used in another unit",
        ('"< $E1.hb_min g/L"', '"< $E1.hb_min mmol/L"'),
        24,
        "declared in g/L but used with mmol/L",
    ),
    (
        "parameter used without its unit",
        ('"< $E1.hb_min g/L"', '"< $E1.hb_min"'),
        24,
        "declared in g/L but used without a unit",
    ),
    ("non-finite default", ("    default: 80\n", "    default: .nan\n"), 7, "finite number"),
    ("absurd number", ('"< $E1.hb_min g/L"', '"< 1' + "0" * 400 + ' g/L"'), 24, "finite number"),
    (
        "century-long window",
        ("      pick: latest\n", "      pick: latest\n      window: {within: 100000000000 days}\n"),
        26,
        "a century",
    ),
    ("reserved ALIVE", ("  - id: I1\n", "  - id: ALIVE\n"), 14, "ALIVE is built in"),
    (
        "per group without groups",
        ("      pick: latest\n", "      pick: latest\n      per: group\n"),
        26,
        "per: group needs groups",
    ),
    (
        "review without because",
        ('    rule: {age: ">= 18"}\n', '    rule: {review: {age: ">= 18"}}\n'),
        17,
        "give `because:`",
    ),
    (
        "bad missing",
        ("      pick: latest\n", "      pick: latest\n      missing: sometimes\n"),
        26,
        "{false_if: <rule>}",
    ),
    (
        "active_within on a lab",
        ("      pick: latest\n", "      pick: latest\n      window: {active_within: 28 days}\n"),
        26,
        "applies to drug and condition",
    ),
    (
        "bad vocabulary",
        ('    codes: ["718-7"]\n', '    codes: ["718-7"]\n    vocabulary: "LOINC; drop"\n'),
        13,
        "OMOP vocabulary_id",
    ),
    (
        "descendants without concepts",
        ('    codes: ["718-7"]\n', '    codes: ["718-7"]\n    descendants: true\n'),
        13,
        "descendants needs concepts",
    ),
    (
        "label too long",
        ("    text: Anaemia.\n", "    text: Anaemia.\n    label: " + "x" * 61 + "\n"),
        21,
        "label must be text",
    ),
]


@pytest.mark.parametrize("name,edit,line,message", BROKEN, ids=[b[0] for b in BROKEN])
def test_each_problem_is_reported_with_its_line(tmp_path, name, edit, line, message):
    old, new = edit
    assert old in VALID, name
    problems = _check(tmp_path, VALID.replace(old, new, 1))
    if name != "unused parameter":  # a broken use also leaves the parameter unused
        problems = [p for p in problems if "never used" not in p]
    assert len(problems) == 1, problems
    assert f"trial.yaml:{line}:" in problems[0], problems[0]
    assert message in problems[0], problems[0]


def test_all_problems_are_reported_together(tmp_path):
    text = VALID.replace('["718-7"]', '["718-7%"]').replace(
        "    kind: exclusion\n", "    kind: maybe\n"
    )
    assert len(_check(tmp_path, text)) == 2


def test_nested_limb_groups_are_rejected(tmp_path):
    text = VALID.replace(
        '    rule: {age: ">= 18"}\n',
        "    rule: {limb: {limb: {event: measurement, codes: hb, value: '< $E1.hb_min g/L'}}}\n",
    )
    problems = _check(tmp_path, text)
    assert any("limb group cannot sit inside another" in p for p in problems), problems


def test_not_yaml(tmp_path):
    problems = _check(tmp_path, "trial: [unclosed\n")
    assert len(problems) == 1 and "not valid YAML" in problems[0] and ":2" in problems[0]


def test_cli_exit_codes(tmp_path):
    from typer.testing import CliRunner

    from prescreen.cli import app

    good = tmp_path / "good.yaml"
    good.write_text(VALID, encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(VALID.replace('["718-7"]', '["718-7%"]'), encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["criteria", "check", str(good)]).exit_code == 0
    result = runner.invoke(app, ["criteria", "check", str(bad)])
    assert result.exit_code == 1
    assert "bad.yaml:12" in result.output


# --------------------------------------------------------------------------- malicious corpus
INJECTION = "x'); drop table person; --"


@pytest.mark.parametrize(
    "pattern",
    [INJECTION, "718-7' or '1'='1", "%", "718_7\\", "a" * 65, "718-7;", "$(rm -rf /)", "I70.2*\n"],
)
def test_sql_and_shell_in_code_patterns_are_rejected(tmp_path, pattern):
    import json

    problems = _check(tmp_path, VALID.replace('["718-7"]', json.dumps([pattern])))
    assert problems and "code pattern" in problems[0] and "invalid" in problems[0]


def test_sql_in_labels_and_texts_is_data_not_code(tmp_path):
    text = VALID.replace("    text: Anaemia.\n", f'    text: "{INJECTION}"\n').replace(
        "      codes: hb\n", f'      codes: hb\n      label: "{INJECTION}"\n'
    )
    path = tmp_path / "trial.yaml"
    path.write_text(text, encoding="utf-8")
    trial = load_trial(str(path), {})
    for evidence in (False, True):
        compiled = compile_screen(build_plan(trial, date(2026, 11, 1)), evidence=evidence)
        assert INJECTION not in compiled.sql
    con = duckdb.connect()
    from nl003_cases import TABLE_COLUMNS

    for table, columns in TABLE_COLUMNS.items():
        con.execute(f"create table {table} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    con.execute(
        "insert into person (person_id, gender_concept_id, year_of_birth) values (1, 8507, 1960)"
    )
    results = evaluate_sql(con, trial, date(2026, 11, 1))
    assert con.execute("select count(*) from person").fetchone()[0] == 1  # table still there
    e1 = results[results["criterion_id"] == "E1"].iloc[0]
    assert e1["evidence"].startswith(f"no {INJECTION} within") or INJECTION in e1["evidence"]


def test_no_value_from_the_nl003_file_is_pasted_into_sql():
    trial = load_trial("nl003-cli-iii-2", {})
    for evidence in (False, True):
        compiled = compile_screen(build_plan(trial, date(2026, 11, 1)), evidence=evidence)
        for needle in (
            "8580-3",
            "L97.",
            "largest ulcer area",
            "2026-08-01",
            "mmol/L",
            "ULCER_AREA",
            "HbA1c",
        ):
            assert needle not in compiled.sql, needle
    assert any("8580-3" == row["pat"] for row in compiled.tables["patterns"])
    assert any(row["label"] == "HbA1c" for row in compiled.tables["inst"])


@pytest.mark.parametrize(
    "ref", ["../../etc/passwd", "../criteria/x", "nl003/../../x", "a b", "x;y"]
)
def test_path_like_trial_ids_are_refused(ref):
    with pytest.raises(CriteriaError) as err:
        load_trial(ref, {})
    assert "--trial" in str(err.value)


def test_missing_yaml_path_is_a_clear_error(tmp_path):
    with pytest.raises(CriteriaError, match="no such file"):
        load_trial(str(tmp_path / ".." / "nope.yaml"), {})


def test_absurdly_long_code_list_is_rejected(tmp_path):
    codes = ", ".join(f'"C{i:05d}"' for i in range(5001))
    problems = _check(tmp_path, VALID.replace('["718-7"]', f"[{codes}]"))
    assert problems and "at most 5000" in problems[0]


def test_alias_bomb_is_stopped(tmp_path):
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        bomb.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    problems = _check(tmp_path, "\n".join(bomb) + "\n")
    assert problems and "more than 200,000 values" in problems[0]


def test_python_tags_are_not_executed(tmp_path):
    problems = _check(tmp_path, "trial: !!python/object/apply:os.system ['echo pwned']\n")
    assert problems and "not valid YAML" in problems[0]


def test_huge_file_is_refused(tmp_path):
    problems = _check(tmp_path, VALID + "#" + "x" * 2_100_000 + "\n")
    assert problems and "larger than 2 MB" in problems[0]


def test_unknown_override_is_named():
    with pytest.raises(CriteriaError, match="--set E14.nope: no such parameter"):
        load_trial("nl003-cli-iii-2", {"E14.nope": "1"})
    with pytest.raises(CriteriaError, match="must be a number"):
        load_trial("nl003-cli-iii-2", {"E14.hemoglobin_min": "eighty"})


def test_subrule_inside_and_outside_a_limb_group_is_rejected(tmp_path):
    text = VALID.replace(
        '    rule: {age: ">= 18"}\n',
        "    subrules:\n      - {id: I1.hb, rule: {event: measurement, codes: hb, value: '< $E1.hb_min g/L'}}\n"
        "    rule: {all: [{ref: I1.hb}, {limb: {ref: I1.hb}}]}\n",
    )
    problems = _check(tmp_path, text)
    assert any("used both inside and outside a limb group" in p for p in problems), problems


@pytest.mark.parametrize(
    "text, message",
    [
        ("trial:\n  id: T\n  ? [a, b]\n  : c\n", "a key must be plain text"),
        ("trial: " + "[" * 5000 + "]" * 5000 + "\n", "nested"),
        (
            "criteria:\n  - id: [1, 2]\n    kind: inclusion\n    text: x\n    rule: {age: '>= 1'}\n",
            "criterion id '<list>'",
        ),
    ],
    ids=["complex key", "5000-deep nesting", "list as id"],
)
def test_malformed_files_are_problems_not_crashes(tmp_path, text, message):
    problems = _check(tmp_path, text)
    assert problems and any(message in p for p in problems), problems


@pytest.mark.parametrize(
    "value, message",
    [
        ("70,80", "--set takes one value"),
        ("nan", "finite number"),
        ("inf", "finite number"),
        ("1e400", "finite number"),
    ],
)
def test_bad_overrides_are_refused(value, message):
    with pytest.raises(CriteriaError, match=message):
        load_trial("nl003-cli-iii-2", {"E14.hemoglobin_min": value})


def test_a_huge_trial_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.yaml"
    path.write_text(VALID, encoding="utf-8")
    with path.open("ab") as handle:  # sparse: 400 MB on paper, nothing read
        handle.truncate(400_000_000)

    def no_read(*args, **kwargs):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_text", no_read)
    with pytest.raises(CriteriaError, match="larger than 2 MB"):
        load_trial(str(path), {})
