-- forecast.csv before suppression: per site and index date after the first (`month`,
-- YYYY-MM), the persons whose status is in $eligible at that date and was not at the
-- index date before it. Every site × month, zeros included; months in date order, sites
-- by name. Reads date_status (index_date, person_id, status) and person_site.
with step as (
    select
        index_date as now,
        lag(index_date) over (order by index_date) as before
    from (select distinct index_date from date_status)
),

eligible as (
    select index_date, person_id
    from date_status
    where list_contains($eligible, status)
),

newly as (
    select s.now, e.person_id
    from step as s
    inner join eligible as e on s.now = e.index_date
    where
        s.before is not null
        and not exists (
            select 1 from eligible as b
            where b.index_date = s.before and b.person_id = e.person_id
        )
),

counted as (
    select n.now, p.site, count(*) as n
    from newly as n
    inner join person_site as p on n.person_id = p.person_id
    group by n.now, p.site
)

select
    t.site,
    strftime(s.now, '%Y-%m') as month,
    cast(coalesce(c.n, 0) as bigint) as newly_eligible
from step as s
cross join (select distinct site from person_site) as t
left join counted as c on s.now = c.now and t.site = c.site
where s.before is not null
order by s.now, t.site
