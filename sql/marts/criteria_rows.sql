-- one row per person and reported criterion (criterion_code, in its person and protocol
-- order): the rows of criteria.csv when it lists every person. A plain projection with
-- the labels bound as lists (see result_rows.sql), so DuckDB keeps the table's order.
-- Evidence is spreadsheet-safe (csv_text).
with rows_out as (
    select
        c.person_id,
        $ids[c.ord] as criterion_id,
        $results[c.code + 1] as result,
        csv_text(c.evidence) as evidence,
        $reasons[c.reason_code] as reason
    from criterion_code as c
)

select * from rows_out
