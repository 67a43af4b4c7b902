-- an ENUM type of one list of labels ($labels: criterion ids by ord, results by code, or
-- reasons by reason_code; NULLs and repeats left out). criteria.parquet indexes a list of
-- these instead of building a string per row, and DuckDB's Parquet writer takes the
-- enum's dictionary as it is instead of hashing every string (67 M rows at 1M persons:
-- 4.5 s instead of 8.5-9.0 s); the file holds the same strings. Temporary: a kept
-- database gets no types.
create or replace temp type {{name}} as enum (
    select unnest(list_distinct(list_filter($labels, lambda x: x is not null)))
)
