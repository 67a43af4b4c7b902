-- one row per (code set, concept id) a code set matches, as member (inc) or as a member of
-- one of its groups (grp): its listed concepts; the concepts its code patterns name in the
-- code set's vocabulary (the extract's concept table); and, where it asks for
-- descendants, every descendant of those listed in concept_ancestor
create or replace temp table ps_concept_member as
with
listed as (
    select
        cast(csk as integer) as csk,
        cast(concept_id as bigint) as concept_id,
        'inc' as role,
        cast(null as integer) as gbit,
        cast(descendants as boolean) as descendants
    from (select unnest($concepts, recursive := true))
    where csk >= 0
),

seed as (
    select * from listed
    {{by_code}}
),

member as (
    select csk, concept_id, role, gbit from seed
    {{descendants}}
)

select distinct * from member
