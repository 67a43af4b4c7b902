-- one row per person of person_site: site, status and counts over top-level criteria only
-- (the rule of prescreen.status.patient_status, kept in DuckDB for large registries).
-- $ids: the trial's top-level criterion ids; sub-rule rows (I2.abi) are evidence only.
-- A person without result rows counts 0 everywhere, so is likely_eligible, as in pandas.
-- Stored unordered: readers order by person_id (the order of every patients frame).
create or replace table patient_status as
with top_level as (
    select unnest($ids) as criterion_id
),

counted as (
    select
        r.person_id,
        count(*) filter (where r.result = 'fail') as n_fail,
        count(*) filter (where r.result = 'unknown') as n_unknown,
        count(*) filter (where r.result = 'manual') as n_manual
    from criterion_result as r
    semi join top_level as t on r.criterion_id = t.criterion_id
    group by r.person_id
),

patients as (
    select
        cast(p.person_id as bigint) as person_id,
        p.site,
        -- manual never changes the status: ineligible > needs_review > likely_eligible
        case
            when coalesce(c.n_fail, 0) > 0 then 'ineligible'
            when coalesce(c.n_unknown, 0) > 0 then 'needs_review'
            else 'likely_eligible'
        end as status,
        coalesce(c.n_fail, 0) as n_fail,
        coalesce(c.n_unknown, 0) as n_unknown,
        coalesce(c.n_manual, 0) as n_manual
    from person_site as p
    left join counted as c on p.person_id = c.person_id
)

select * from patients
