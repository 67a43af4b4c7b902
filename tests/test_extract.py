"""Load + validate on real and generated extracts: counts, types, threshold, privacy."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import duckdb
import pandera.pandas as pa
import pytest
from prescreen.schemas import SCHEMAS
from rich.console import Console

from prescreen.errors import ExtractError
from prescreen.extract import load_extract, print_validation_summary, write_validation_outputs
from prescreen.extract.tables import ALWAYS_PRESENT, TABLES
from prescreen.extract.validate import schema_checks

SYNTHEA = Path(__file__).parent / "fixtures" / "synthea27nj"
AS_OF = date(2026, 11, 1)


def _good_extract(folder: Path, persons: int = 200, measurements: int = 2000) -> Path:
    """A generated valid extract: persons over two sites, measurements, drugs, a death."""
    rng = random.Random(7)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "care_site.csv").write_text("care_site_id,care_site_name\n1,North\n2,South\n")
    lines = ["person_id,gender_concept_id,year_of_birth,care_site_id,person_source_value"]
    for pid in range(1, persons + 1):
        site = "" if pid % 10 == 0 else str(pid % 2 + 1)
        lines.append(
            f"{pid},{rng.choice([8507, 8532])},{rng.randint(1930, 1990)},{site},R{pid:05d}"
        )
    (folder / "person.csv").write_text("\n".join(lines) + "\n")
    lines = ["measurement_id,person_id,measurement_date,measurement_source_value,value_as_number"]
    for mid in range(1, measurements + 1):
        day = date(2020, 1, 1).toordinal() + rng.randint(0, 1500)
        lines.append(
            f"{mid},{rng.randint(1, persons)},{date.fromordinal(day)},718-7,{rng.uniform(8, 16):.1f}"
        )
    (folder / "measurement.csv").write_text("\n".join(lines) + "\n")
    (folder / "death.csv").write_text("person_id,death_date\n3,2025-01-02\n")
    return folder


def test_synthea_fixture_loads_without_quarantine() -> None:
    # a real OHDSI export (upper-case names, datetimes, empty tables) is entirely valid
    con = duckdb.connect()
    report = load_extract(SYNTHEA, con, extract_date=AS_OF)
    assert report.reasons.empty
    assert int(report.validation["quarantined"].sum()) == 0
    assert (report.validation["rows_in"] == report.validation["loaded"]).all()
    assert "VOCABULARY.csv" in report.unknown_files
    assert set(report.input_files) >= {"PERSON.csv", "MEASUREMENT.csv"}
    assert con.execute(
        "select count(*) from person_site where site = 'unknown site'"
    ).fetchone() == (28,)


def test_loaded_tables_have_canonical_types() -> None:
    # every table, loaded or created empty, has its OMOP columns plus _row_id BIGINT NOT NULL
    con = duckdb.connect()
    load_extract(SYNTHEA, con, extract_date=AS_OF)
    for name in (*ALWAYS_PRESENT, "cdm_source", "concept", "visit_occurrence"):
        described = {row[0]: (row[1], row[2]) for row in con.execute(f"describe {name}").fetchall()}
        expected = {c: (t.upper(), "YES") for c, t in TABLES[name].columns.items()}
        assert described == {**expected, "_row_id": ("BIGINT", "NO")}, name


def test_row_ids_follow_file_order() -> None:
    # _row_id = position among the file's data rows: 1, 2, 3 … for a file nothing was set aside from
    con = duckdb.connect()
    load_extract(SYNTHEA, con)
    ids = con.execute("select _row_id, measurement_id from measurement").fetchall()
    assert [i for i, _ in ids] == list(range(1, 2001))
    first = (SYNTHEA / "MEASUREMENT.csv").read_text(encoding="utf-8").splitlines()[1]
    assert ids[0][1] == int(first.split(",")[0])


def test_schemas_agree_with_loaded_rows() -> None:
    # the pandera schemas the loader compiles to SQL also pass the loaded tables via pandas
    con = duckdb.connect()
    load_extract(SYNTHEA, con, extract_date=AS_OF)
    for name, model in SCHEMAS.items():
        model.validate(con.table(name).df(), lazy=True)


def test_sql_checks_reject_what_pandera_rejects(tmp_path: Path) -> None:
    # same rows, two engines: the compiled SQL quarantines exactly the rows pandera fails
    folder = _good_extract(tmp_path / "x", persons=5, measurements=0)
    (folder / "drug_exposure.csv").write_text(
        "drug_exposure_id,person_id,drug_exposure_start_date,days_supply,quantity\n"
        "1,1,2024-01-01,30,1\n2,1,2024-01-01,-1,1\n3,2,2024-01-01,5,-2\n4,2,2024-01-01,,\n"
    )
    con = duckdb.connect()
    load_extract(folder, con, extract_date=AS_OF, max_quarantine=1.0)
    sql_bad = {r[0] for r in con.execute("select primary_key from quarantine").fetchall()}
    frame = con.execute(
        "select * replace (cast(drug_exposure_start_date as timestamp) as drug_exposure_start_date) "
        "from read_csv(?, header=true)",
        [str(folder / "drug_exposure.csv")],
    ).df()
    with pytest.raises(pa.errors.SchemaErrors) as caught:
        SCHEMAS["drug_exposure"].validate(frame, lazy=True)
    failed_index = caught.value.failure_cases["index"].dropna().astype(int)
    pandera_bad = {str(frame.loc[i, "drug_exposure_id"]) for i in failed_index}
    assert sql_bad == pandera_bad == {"2", "3"}


def test_the_catalogue_is_the_schemas() -> None:
    # every declared column is loaded or fills a date; keys, required columns and dates come
    # from the schema's metadata; uniqueness is declared only for identity keys
    for name, model in SCHEMAS.items():
        schema = model.to_schema()
        table = TABLES[name]
        declared = [c for c, spec in schema.columns.items() if not spec.regex]
        assert set(declared) == {*table.columns, *table.datetime_for.values()}, name
        assert list(table.columns) == [c for c in declared if c in table.columns], name
        assert table.required == tuple(
            c for c in table.columns if not schema.columns[c].nullable
        ), name
        unique = tuple(c for c, s in schema.columns.items() if s.unique)
        assert unique == (table.primary_key if table.identity_key else ()), name
        assert schema_checks(name)  # every table has at least one compiled rule
    assert TABLES["measurement"].datetime_for == {"measurement_date": "measurement_datetime"}
    assert TABLES["visit_occurrence"].orphans == "finding"
    assert TABLES["person"].identity_key and not TABLES["drug_exposure"].identity_key
    assert TABLES["concept_ancestor"].primary_key == (
        "ancestor_concept_id",
        "descendant_concept_id",
    )


def test_row_conservation_on_generated_extract(tmp_path: Path) -> None:
    con = duckdb.connect()
    report = load_extract(_good_extract(tmp_path / "x"), con, extract_date=AS_OF)
    v = report.validation.set_index("table")
    assert v.loc["measurement", "rows_in"] == 2000 == v.loc["measurement", "loaded"]
    assert (v["rows_in"] == v["loaded"] + v["quarantined"]).all()
    sites = dict(con.execute("select site, count(*) from person_site group by site").fetchall())
    assert sites["unknown site"] == 20 and sum(sites.values()) == 200


def test_missing_tables_exist_empty(tmp_path: Path) -> None:
    con = duckdb.connect()
    load_extract(_good_extract(tmp_path / "x"), con, extract_date=AS_OF)
    for name in ALWAYS_PRESENT:
        con.execute(f"select * from {name}").fetchall()
    assert con.execute("select count(*) from concept_ancestor").fetchone() == (0,)


def test_parquet_and_gzip_load_like_csv(tmp_path: Path) -> None:
    folder = _good_extract(tmp_path / "csv")
    other = tmp_path / "mixed"
    other.mkdir()
    con = duckdb.connect()
    con.execute(f"copy (from read_csv('{folder}/person.csv')) to '{other}/person.parquet'")
    con.execute(
        f"copy (from read_csv('{folder}/measurement.csv', all_varchar=true)) "
        f"to '{other}/Measurement.csv.gz' (header, compression gzip)"
    )
    report = load_extract(other, con, extract_date=AS_OF)
    v = report.validation.set_index("table")
    assert v.loc["person", "loaded"] == 200 and v.loc["measurement", "loaded"] == 2000


def test_threshold_stops_with_table_named(tmp_path: Path) -> None:
    # 10 % of measurement rows orphaned: above the 5 % default, the load stops
    folder = _good_extract(tmp_path / "x", measurements=100)
    text = (folder / "measurement.csv").read_text().splitlines()
    bad = [",".join([r.split(",")[0], "9999", *r.split(",")[2:]]) for r in text[1:11]]
    (folder / "measurement.csv").write_text("\n".join([text[0], *bad, *text[11:]]) + "\n")
    con = duckdb.connect()
    with pytest.raises(ExtractError) as caught:
        load_extract(folder, con, extract_date=AS_OF)
    message = str(caught.value)
    assert "measurement" in message and "person_id not in person" in message
    assert caught.value.report.validation.set_index("table").loc["measurement", "quarantined"] == 10
    write_validation_outputs(caught.value.report, con, tmp_path / "out")
    assert (tmp_path / "out" / "quarantine.csv").read_text().count("\n") == 11
    # at 10 % allowed the same extract loads
    load_extract(folder, duckdb.connect(), extract_date=AS_OF, max_quarantine=0.10)


def test_no_patient_values_in_outputs(tmp_path: Path) -> None:
    folder = _good_extract(tmp_path / "x", persons=3, measurements=0)
    (folder / "person.csv").write_text(
        "person_id,gender_concept_id,year_of_birth,birth_datetime,person_source_value\n"
        "1,8507,1950,1950-04-09,SECRET-REG-991\n1,8532,1937,1937-06-15,SECRET-REG-992\n"
        "2,8507,3000,1937-06-15,SECRET-REG-993\n3,8507,1951,,\n"
    )
    con = duckdb.connect()
    with pytest.raises(ExtractError) as caught:
        load_extract(folder, con, extract_date=AS_OF)
    out = tmp_path / "out"
    write_validation_outputs(caught.value.report, con, out)
    console = Console(record=True, width=200)
    print_validation_summary(caught.value.report, console)
    texts = [str(caught.value), console.export_text()] + [p.read_text() for p in out.iterdir()]
    for text in texts:
        assert "SECRET-REG" not in text and "1937-06-15" not in text and "1950-04-09" not in text


def test_fraction_in_an_id_is_quarantined_not_rounded(tmp_path: Path) -> None:
    # DuckDB's own text → bigint cast rounds 1.5 to 2, which would make it another patient
    folder = _good_extract(tmp_path / "x", persons=3, measurements=0)
    (folder / "measurement.csv").write_text(
        "measurement_id,person_id,measurement_date\n1,1.5,2024-01-01\n2,2.0,2024-01-01\n"
        "3,15e-1,2024-01-01\n"
    )
    con = duckdb.connect()
    load_extract(folder, con, extract_date=AS_OF, max_quarantine=1.0)
    assert con.execute("select measurement_id, person_id from measurement").fetchall() == [(2, 2)]
    assert con.execute(
        "select line, column_name, check_name, reason from quarantine order by line"
    ).fetchall() == [
        (2, "person_id", "cdmDatatype", "not a whole number"),
        (4, "person_id", "cdmDatatype", "not a whole number"),
    ]


def test_every_extract_sql_file_is_used() -> None:
    # SQL lives in sql/extract and is loaded by name: a file no module names is dead
    sources = "".join(
        p.read_text(encoding="utf-8")
        for p in (Path(__file__).parents[1] / "src" / "prescreen" / "extract").glob("*.py")
    )
    for sql in (Path(__file__).parents[1] / "sql" / "extract").glob("*.sql"):
        assert f"extract/{sql.name}" in sources or f'"{sql.stem}"' in sources, sql.name


def test_threshold_counts_only_tables_the_screen_reads(tmp_path: Path) -> None:
    # every cdm_source and concept row unusable (100 %), half the visits of unknown persons
    # (findings): the run goes on; the losses are in validation.csv
    folder = _good_extract(tmp_path / "x", persons=5, measurements=10)
    (folder / "cdm_source.csv").write_text(
        "cdm_source_name,source_release_date\nRegistry,2026-13-45\n", encoding="utf-8"
    )
    (folder / "concept.csv").write_text("concept_id,concept_name\nx,Not an id\n", encoding="utf-8")
    (folder / "visit_occurrence.csv").write_text(
        "visit_occurrence_id,person_id,visit_start_date\n1,1,2024-01-01\n2,99,2024-01-01\n",
        encoding="utf-8",
    )
    report = load_extract(folder, duckdb.connect(), extract_date=AS_OF)
    v = report.validation.set_index("table")
    assert (v.loc["cdm_source", "quarantined"], v.loc["concept", "quarantined"]) == (1, 1)
    assert v.loc["visit_occurrence", "findings"] == 1
    assert report.extract_date_source == "--extract-date"  # the unreadable date is not used
