-- one row per site per top-level criterion (every pair, zeros included), in site then
-- protocol order: patients failing it, decided by the data (pass or fail), unknown, manual.
-- $ids: top-level criterion ids in protocol order.
with top_level as (
    select
        unnest($ids) as criterion_id,
        generate_subscripts($ids, 1) as position
),

counts as (
    select
        p.site,
        p.site_id,
        r.position,
        count(*) filter (where r.result = 'fail') as n_fail,
        count(*) filter (where r.result in ('pass', 'fail')) as n_decided,
        count(*) filter (where r.result = 'unknown') as n_unknown,
        count(*) filter (where r.result = 'manual') as n_manual
    from top_result as r
    inner join patient_status as p on r.person_id = p.person_id
    group by p.site, p.site_id, r.position
),

named as (
    select
        c.site,
        c.site_id,
        t.criterion_id,
        c.position,
        c.n_fail,
        c.n_decided,
        c.n_unknown,
        c.n_manual
    from counts as c
    inner join top_level as t on c.position = t.position
)

select * from named
order by site, site_id, position
