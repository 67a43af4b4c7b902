-- no rows: the trial has no limb-scoped criteria (the engine wrote no person_limb)
create or replace temp view report_person_limb as
select
    cast(null as bigint) as person_id,
    cast(null as varchar) as target_limb
where false
