"""Loading OMOP extracts into DuckDB and validating them with quarantine."""
