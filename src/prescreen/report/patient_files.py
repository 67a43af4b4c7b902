"""The local, person-level files: patients.csv, criteria.parquet and criteria.csv.

criteria.parquet holds every person's rows (zstd-compressed: the form that stays small
at millions of persons). criteria.csv is the readable one: every person's rows for runs
up to CRITERIA_CSV_ALL_MAX_PERSONS screened (or with `criteria_csv="all"`), else the
rows of the persons the worklist lists. Both are written by DuckDB from its tables.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from prescreen.database import insertion_order
from prescreen.report.csv_files import write_relation
from prescreen.report.options import CRITERIA_CSV_ALL_MAX_PERSONS, ReportOptions
from prescreen.result_store import create_label_types, read_labels
from prescreen.sqltext import read_sql, render


def criteria_csv_lists_everyone(options: ReportOptions, screened: int) -> bool:
    """Whether criteria.csv holds every person's rows (else the worklist persons')."""
    if options.criteria_csv == "auto":
        return screened <= CRITERIA_CSV_ALL_MAX_PERSONS
    return options.criteria_csv == "all"


def write_patient_files(
    con: duckdb.DuckDBPyConnection, folder: Path, options: ReportOptions, screened: int
) -> bool:
    """patients.csv, criteria.parquet, criteria.csv into `folder`; True if criteria.csv
    lists every person. Needs `patient_status` and, unless it lists everyone,
    `worklist_person` (`prescreen.report.worklist.select_worklist`)."""
    with insertion_order(con):  # the files list rows in the tables' order (person, protocol)
        return _write_patient_files(con, folder, options, screened)


def _write_patient_files(
    con: duckdb.DuckDBPyConnection, folder: Path, options: ReportOptions, screened: int
) -> bool:
    patients = con.sql(read_sql("marts/patients_file.sql"))
    write_relation(patients, folder / "patients.csv", bom=options.csv_bom)
    stored = read_labels(con)
    labels = stored.params()  # criterion_code read in its order: labels bound
    create_label_types(con, stored)
    results = con.sql(read_sql("marts/result_rows.sql"), params=labels)
    parquet = folder / "criteria.parquet"
    results.write_parquet(str(parquet), compression="zstd")
    everyone = criteria_csv_lists_everyone(options, screened)
    if not everyone:
        con.execute(read_sql("marts/worklist_code.sql"))
    codes = "criterion_code" if everyone else "worklist_code"
    rows = con.sql(render(read_sql("marts/criteria_rows.sql"), codes=codes), params=labels)
    write_relation(rows, folder / "criteria.csv", bom=options.csv_bom)
    if not everyone:  # the report stage that follows needs the memory more
        con.execute("drop table worklist_code")
    return everyone
