-- one row per valid person: the site its reports group by. Sites are kept apart by
-- care_site_id (site_id; null for persons without a care site, grouped as
-- 'unknown site'). `site` is the display name, unique per site: a care site whose name is
-- blank, shared with another care site, or equal to a row the reports add ('All sites',
-- 'unknown site'; any case) is shown with its id, `Name [care_site_id 7]`.
create or replace table person_site as
with used_site as (
    -- the care sites persons point at (a person's care_site_id may have no care_site row)
    select distinct
        p.care_site_id as site_id,
        nullif(trim(c.care_site_name), '') as care_site_name
    from person as p
    left join care_site as c on p.care_site_id = c.care_site_id
    where p.care_site_id is not null
),

base_name as (
    select
        site_id,
        coalesce(care_site_name, 'care site') as name,
        care_site_name is null
        or count(*) over (partition by lower(care_site_name)) > 1
        or lower(care_site_name) in ('all sites', 'unknown site') as needs_id
    from used_site
),

labelled as (
    select
        site_id,
        case
            when needs_id then name || ' [care_site_id ' || cast(site_id as varchar) || ']'
            else name
        end as site
    from base_name
),

sited as (
    select
        p.person_id,
        coalesce(l.site, 'unknown site') as site,
        p.care_site_id as site_id
    from person as p
    left join labelled as l on p.care_site_id = l.site_id
)

select * from sited
