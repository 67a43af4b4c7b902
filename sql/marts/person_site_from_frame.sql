-- one row per row of the registered frame site_frame (person_id, site, site_id)
create or replace table person_site as
select
    cast(person_id as bigint) as person_id,
    cast(site as varchar) as site,
    cast(site_id as bigint) as site_id
from site_frame
