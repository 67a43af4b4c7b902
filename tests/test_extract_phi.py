"""PHI canary on the loader's error paths: no registry number or birth date in any message.

One distinctive patient sits in files that fail in each way the loader can fail: no header,
UTF-16, a line that cannot be parsed, validation over the threshold. Neither the exception,
the CLI's output, the log nor any validation file may show the canary's registry number or
birth date; only quarantine.csv and findings.csv (patient-level by design) may name its id.
"""

from __future__ import annotations

import logging
from pathlib import Path

import duckdb
import pytest
from rich.console import Console
from typer.testing import CliRunner

from prescreen.cli import app
from prescreen.errors import ExtractError
from prescreen.extract import load_extract, print_validation_summary, write_validation_outputs

CANARY_ID = "987654321"
CANARY_SOURCE = "CANARY-7731-ZEBRA"
CANARY_BIRTH = "1931-03-17"
HEADER = "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,birth_datetime,person_source_value"
CANARY_ROW = f"{CANARY_ID},8507,1931,3,17,{CANARY_BIRTH} 00:00:00,{CANARY_SOURCE}"
OTHER_ROWS = [
    "11,8532,1950,6,1,1950-06-01 00:00:00,P11",
    "12,8507,1955,7,2,1955-07-02 00:00:00,P12",
]
SECRETS = (CANARY_SOURCE, CANARY_BIRTH, "1931-03-17 00:00:00")


def _write(folder: Path, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "person.csv").write_bytes(text.encode(encoding))
    return folder


def _no_header(folder: Path) -> Path:
    return _write(folder, "\n".join([CANARY_ROW, *OTHER_ROWS]) + "\n")


def _utf16(folder: Path) -> Path:
    return _write(folder, "\n".join([HEADER, CANARY_ROW, *OTHER_ROWS]) + "\n", "utf-16")


def _utf16_no_header(folder: Path) -> Path:
    return _write(folder, "\n".join([CANARY_ROW, *OTHER_ROWS]) + "\n", "utf-16")


def _unterminated_quote(folder: Path) -> Path:
    broken = CANARY_ROW.replace(CANARY_SOURCE, '"' + CANARY_SOURCE)
    return _write(folder, "\n".join([HEADER, *OTHER_ROWS, broken, *OTHER_ROWS]) + "\n")


def _duplicated(folder: Path) -> Path:
    # the canary twice with different content: both copies unusable, 2 of 4 rows
    twin = CANARY_ROW.replace(",1931,", ",1932,")
    return _write(folder, "\n".join([HEADER, CANARY_ROW, *OTHER_ROWS, twin]) + "\n")


@pytest.mark.parametrize(
    "broken",
    [_no_header, _utf16, _utf16_no_header, _unterminated_quote, _duplicated],
    ids=lambda f: f.__name__,
)
def test_canary_never_in_loader_messages(broken, tmp_path: Path, caplog) -> None:
    extract = broken(tmp_path / "extract")
    con = duckdb.connect()
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ExtractError) as caught:
        load_extract(extract, con, max_quarantine=0.0)
    texts = {"exception": str(caught.value), "log": caplog.text}
    report = getattr(caught.value, "report", None)
    if report is not None:  # validation failed: the files written for the user to read
        out = tmp_path / "validation"
        write_validation_outputs(report, con, out)
        for path in out.iterdir():
            texts[path.name] = path.read_text(encoding="utf-8")
        assert CANARY_ID not in texts["validation.csv"] + texts["validation_reasons.csv"]
    for where, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked into {where}"
        if where in ("exception", "log"):
            assert CANARY_ID not in text, f"the canary's id leaked into {where}"


@pytest.mark.parametrize(
    "broken",
    [_no_header, _utf16, _utf16_no_header, _unterminated_quote, _duplicated],
    ids=lambda f: f.__name__,
)
def test_canary_never_on_the_cli(broken, tmp_path: Path) -> None:
    # `prescreen load` prints the error (exit 1) and the validation summary: no canary
    extract = broken(tmp_path / "extract")
    result = CliRunner().invoke(
        app,
        [
            "load",
            "--extract",
            str(extract),
            "--out",
            str(tmp_path / "out"),
            "--max-quarantine",
            "0",
        ],
    )
    assert result.exit_code == 1, result.output
    for secret in (*SECRETS, CANARY_ID):
        assert secret not in result.output


def test_quarantined_line_with_the_canary_is_not_echoed(tmp_path: Path) -> None:
    # a line with too many fields is quarantined by line number; the summary and every
    # file name the line, never its cells
    extract = _write(
        tmp_path / "extract",
        "\n".join([HEADER, *OTHER_ROWS, CANARY_ROW + ",extra"]) + "\n",
    )
    con = duckdb.connect()
    report = load_extract(extract, con, max_quarantine=1.0)
    assert con.execute("select line, check_name from quarantine").fetchall() == [
        (4, "csvRowReadable")
    ]
    out = tmp_path / "out"
    write_validation_outputs(report, con, out)
    console = Console(record=True, width=200)
    print_validation_summary(report, console)
    texts = [console.export_text()] + [p.read_text(encoding="utf-8") for p in out.iterdir()]
    for text in texts:
        for secret in (*SECRETS, CANARY_ID):
            assert secret not in text
