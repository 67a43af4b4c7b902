-- one row per top-level result row of a person of person_site: where it goes in the
-- patients × criteria code matrix and its code (prescreen.report.results).
-- row: the person's 0-based position in person_id order (the order of patient_status);
-- col: the criterion's 0-based position in $ids; code: the result's 0-based position in
-- $labels (pass, manual, unknown, fail), an unexpected result counting as $unknown.
-- A person × criterion without a row is left to the caller (unknown: no data to decide).
with top_level as (
    select
        unnest($ids) as criterion_id,
        generate_subscripts($ids, 1) - 1 as col
),

person_row as (
    select
        person_id,
        row_number() over (order by person_id) - 1 as row
    from person_site
),

coded as (
    select
        cast(p.row as integer) as row,
        cast(t.col as smallint) as col,
        cast(coalesce(list_position($labels, r.result) - 1, $unknown) as tinyint) as code
    from criterion_result as r
    inner join top_level as t on r.criterion_id = t.criterion_id
    inner join person_row as p on r.person_id = p.person_id
)

select * from coded
