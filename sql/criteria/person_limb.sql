-- one row per person: the limb(s) the patient qualifies through, or comes closest on
-- without failing ('R', 'L', 'R,L'; NULL when no limb-scoped criterion or every limb fails)
create or replace table person_limb as
select person_id, target_limb from ps_status
