-- one row per valid person: the site reports group by ('unknown site' without a care site)
create or replace table person_site as
with sited as (
    select
        p.person_id,
        coalesce(c.care_site_name, 'unknown site') as site
    from person as p
    left join care_site as c on p.care_site_id = c.care_site_id
)

select * from sited
