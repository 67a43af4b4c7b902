-- one row per person of person_site, by person_id: the failing / unknown top-level
-- criteria in protocol order, written `E3 fail; I2 unknown` (empty when none): what a
-- scan compares between runs (changes.csv).
-- $ids: the trial's top-level criterion ids, in protocol order.
with top_level as (
    select
        unnest($ids) as criterion_id,
        generate_subscripts($ids, 1) as position
),

flagged as (
    select
        r.person_id,
        r.position,
        t.criterion_id || ' ' || r.result as reason_text
    from top_result as r
    inner join top_level as t on r.position = t.position
    where r.result in ('fail', 'unknown')
),

per_person as (
    select
        person_id,
        string_agg(reason_text, '; ' order by position) as reasons
    from flagged
    group by person_id
),

reasons as (
    select
        p.person_id,
        coalesce(f.reasons, '') as reasons
    from patient_status as p
    left join per_person as f on p.person_id = f.person_id
)

select * from reasons
order by person_id
