-- one row per person and reported criterion (criterion_result, in its person and
-- protocol order): the rows of criteria.csv when it lists every person. A plain
-- projection, so DuckDB keeps the table's order. Evidence is spreadsheet-safe (csv_text).
with rows_out as (
    select
        r.person_id,
        r.criterion_id,
        r.result,
        csv_text(r.evidence) as evidence,
        r.reason
    from criterion_result as r
)

select * from rows_out
