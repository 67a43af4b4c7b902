-- one row per person_limb row: the engine's target limbs, typed, for patient_status.sql
create or replace temp view report_person_limb as
select
    cast(person_id as bigint) as person_id,
    cast(target_limb as varchar) as target_limb
from person_limb
