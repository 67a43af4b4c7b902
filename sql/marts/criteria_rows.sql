-- one row per person and reported criterion of {{codes}} (criterion_code, or
-- worklist_code: the worklist's persons only), in its person and protocol order: the
-- rows of criteria.csv. A plain projection with the labels bound as lists (see
-- result_rows.sql), so DuckDB keeps the table's order. Evidence is spreadsheet-safe
-- (csv_text).
with rows_out as (
    select
        c.person_id,
        $ids[c.ord] as criterion_id,
        $results[c.code + 1] as result,
        csv_text(c.evidence) as evidence,
        $reasons[c.reason_code] as reason
    from {{codes}} as c
)

select * from rows_out
