"""Load + validate: an OMOP extract folder → typed DuckDB tables of valid rows + quarantine."""

from prescreen.extract.load import load_extract
from prescreen.extract.summary import LoadReport, print_validation_summary, write_validation_outputs

__all__ = ["LoadReport", "load_extract", "print_validation_summary", "write_validation_outputs"]
