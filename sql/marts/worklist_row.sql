-- one row per worklist person, in workbook order (site, then person_id): what the
-- coordinator reads beside the chart. results / evidence: one entry per top-level
-- criterion in protocol order (evidence null where none was computed; its parts, joined by
-- '; ' or a limb's ' | ', one per line so the cell reads like a list).
-- $ids: top-level criterion ids in protocol order; $ords: see `evidence`.
with top_level as (
    select
        unnest($ids) as criterion_id,
        generate_subscripts($ids, 1) as position
),

results as (
    select
        r.person_id,
        list(r.result order by r.position) as results
    from top_result as r
    semi join worklist_person as w on r.person_id = w.person_id
    group by r.person_id
),

-- read on criterion_code ($ords: each top-level criterion's ord there, 0 when no row
-- has it), by a list test rather than a join (see top_result.sql)
evidence as (
    select
        c.person_id,
        list_position($ords, c.ord) as position,
        replace(replace(c.evidence, ' | ', chr(10)), '; ', ';' || chr(10)) as evidence
    from criterion_code as c
    semi join worklist_person as w on c.person_id = w.person_id
    where list_contains($ords, c.ord)
),

evidence_grid as (
    select
        w.person_id,
        list(e.evidence order by t.position) as evidence
    from worklist_person as w
    cross join top_level as t
    left join evidence as e on w.person_id = e.person_id and t.position = e.position
    group by w.person_id
),

listed as (
    select
        p.person_id,
        cast(pe.person_source_value as varchar) as person_source_value,
        p.site,
        p.site_id,
        p.status,
        p.n_unknown,
        p.n_manual,
        p.target_limb,
        r.results,
        g.evidence
    from worklist_person as w
    inner join patient_status as p on w.person_id = p.person_id
    inner join results as r on w.person_id = r.person_id
    inner join evidence_grid as g on w.person_id = g.person_id
    left join person as pe on w.person_id = pe.person_id
)

select * from listed
order by site, site_id, person_id
