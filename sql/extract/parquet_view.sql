-- one row per Parquet row, read when the view is (no copy): its line (row number + 2, as if
-- the file had a header line) and the OMOP columns, fitting types kept native
create or replace temp view {{raw}} as
with parquet_rows as (
    select
        file_row_number + 2 as _line,
        {{selects}}
    from read_parquet(getvariable('{{path_variable}}'), file_row_number = true)
)

select * from parquet_rows
