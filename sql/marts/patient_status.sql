-- one row per person of person_site: site, status and counts over the top-level
-- criteria (top_result), the limb(s) through which the patient qualifies or comes
-- closest (report_person_limb: the engine's person_limb, or nothing), and where the
-- patient leaves the attrition funnel: first_stop is the first criterion in protocol
-- order that is neither pass nor manual (null: passes every one), stop_result its result.
-- Stored unordered: readers order by person_id.
create or replace table patient_status as
with counted as (
    select
        person_id,
        count(*) filter (where result = 'fail') as n_fail,
        count(*) filter (where result = 'unknown') as n_unknown,
        count(*) filter (where result = 'manual') as n_manual,
        min(position) filter (where result in ('fail', 'unknown')) as first_stop,
        arg_min(result, position) filter (where result in ('fail', 'unknown')) as stop_result
    from top_result
    group by person_id
),

limbs as (
    -- one value per person, whether the engine writes 'R,L' or a row per limb
    select
        person_id,
        -- a sorted list, not an ordered string_agg (a little cheaper: bench/notes.md)
        array_to_string(list_sort(list_distinct(list(target_limb))), ',') as target_limb
    from report_person_limb
    where target_limb is not null
    group by person_id
),

patients as (
    select
        cast(p.person_id as bigint) as person_id,
        p.site,
        p.site_id,
        patient_status_of(coalesce(c.n_fail, 0), coalesce(c.n_unknown, 0)) as status,
        coalesce(c.n_fail, 0) as n_fail,
        coalesce(c.n_unknown, 0) as n_unknown,
        coalesce(c.n_manual, 0) as n_manual,
        l.target_limb,
        c.first_stop,
        c.stop_result
    from person_site as p
    left join counted as c on p.person_id = c.person_id
    left join limbs as l on p.person_id = l.person_id
)

select * from patients
