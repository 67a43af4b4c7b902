-- one row per row of the registered frame limb_frame: target limbs an engine produced in
-- pandas (the pandas engine, the partitions of a distributed run) become the table
-- person_limb, as the SQL engine leaves it
create or replace table person_limb as
select
    cast(person_id as bigint) as person_id,
    cast(target_limb as varchar) as target_limb
from limb_frame
order by person_id
