-- one row per top-level criterion in protocol order: the attrition funnel and what each
-- criterion costs (raw counts; the columns of funnel.csv, docs/outputs.md).
-- Step k keeps the patients whose criteria 1..k are all pass or manual; a patient leaves
-- at first_stop (patient_status), counted under fail or unknown by its result there.
-- $ids: top-level criterion ids in protocol order.
with top_level as (
    select
        unnest($ids) as criterion_id,
        generate_subscripts($ids, 1) as position
),

screened as (
    select count(*) as n_screened
    from patient_status
),

stops as (
    select
        first_stop as position,
        count(*) filter (where stop_result = 'fail') as n_fail,
        count(*) filter (where stop_result = 'unknown') as n_unknown
    from patient_status
    where first_stop is not null
    group by first_stop
),

impact as (
    -- fail_only: the patient's only failing criterion; gained: and nothing unknown
    select
        r.position,
        count(*) filter (where r.result = 'fail') as fail_any,
        count(*) filter (where r.result = 'fail' and p.n_fail = 1) as fail_only,
        count(*) filter (
            where r.result = 'fail' and p.n_fail = 1 and p.n_unknown = 0
        ) as gained_if_dropped,
        count(*) filter (where r.result = 'unknown') as unknown_any,
        count(*) filter (where r.result = 'manual') as manual_any
    from top_result as r
    inner join patient_status as p on r.person_id = p.person_id
    group by r.position
),

steps as (
    select
        t.position as step,
        t.criterion_id,
        coalesce(s.n_fail, 0) as fail,
        coalesce(s.n_unknown, 0) as unknown,
        coalesce(i.fail_any, 0) as fail_any,
        coalesce(i.fail_only, 0) as fail_only,
        coalesce(i.gained_if_dropped, 0) as gained_if_dropped,
        coalesce(i.unknown_any, 0) as unknown_any,
        coalesce(i.manual_any, 0) as manual_any
    from top_level as t
    left join stops as s on t.position = s.position
    left join impact as i on t.position = i.position
),

funnel as (
    select
        s.step,
        s.criterion_id,
        c.n_screened - coalesce(sum(s.fail + s.unknown) over (
            order by s.step rows between unbounded preceding and 1 preceding
        ), 0) as remaining_before,
        s.fail,
        s.unknown,
        c.n_screened - sum(s.fail + s.unknown) over (
            order by s.step rows between unbounded preceding and current row
        ) as remaining_after,
        s.fail_any,
        s.fail_only,
        s.gained_if_dropped,
        s.unknown_any,
        s.manual_any
    from steps as s
    cross join screened as c
)

select * from funnel
order by step
