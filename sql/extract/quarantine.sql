-- one row per source row per rule it meets: `quarantine` for unusable rows (not loaded),
-- `finding` for data-quality findings about rows that are loaded; no raw values, only
-- where and why
create or replace table quarantine (
    table_name varchar,
    source_file varchar,
    line bigint,          -- CSV line (header = line 1) or Parquet row number (first row = 2)
    primary_key varchar,  -- the row's key as text, null when the row could not be parsed
    column_name varchar,
    check_name varchar,
    reason varchar
);

create or replace table finding as
select * from quarantine
limit 0
