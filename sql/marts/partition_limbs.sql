-- one row per person of a partition: the target limb(s) the engine chose
select
    person_id,
    target_limb
from person_limb
order by person_id
