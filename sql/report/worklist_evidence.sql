-- one row per worklist row (the registered view worklist_person: person_id, row), in row
-- order: the evidence cell, a line `ID: evidence` per top-level criterion that has
-- evidence, protocol order ($ids), lines joined by a newline (one cell per patient:
-- xlsxwriter's cost is per cell).
with top_level as (
    select
        unnest($ids) as criterion_id,
        generate_subscripts($ids, 1) as position
),

lines as (
    select
        r.person_id,
        t.position,
        r.criterion_id || ': ' || r.evidence as line
    from criterion_result as r
    inner join top_level as t on r.criterion_id = t.criterion_id
    semi join worklist_person as w on r.person_id = w.person_id
    where r.evidence is not null and r.evidence <> ''
),

cells as (
    select
        person_id,
        string_agg(line, chr(10) order by position) as evidence
    from lines
    group by person_id
),

worklist as (
    select
        w.row,
        coalesce(c.evidence, '') as evidence
    from worklist_person as w
    left join cells as c on w.person_id = c.person_id
)

select evidence from worklist
order by row
