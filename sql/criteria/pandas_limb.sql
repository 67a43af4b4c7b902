-- one row per person: the limb(s) the patient qualifies through, or comes closest on
-- without failing, as the pandas engine chose it (registered as ps_pandas_limb)
create or replace table person_limb as
select
    cast(person_id as bigint) as person_id,
    cast(target_limb as varchar) as target_limb
from ps_pandas_limb
order by person_id
