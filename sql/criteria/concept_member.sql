-- one row per (code set, concept id) a code set matches: its concepts and, where it asks
-- for descendants, every descendant listed in concept_ancestor
create or replace temp table ps_concept_member as
with seed as (
    select
        cast(csk as integer) as csk,
        cast(concept_id as bigint) as concept_id,
        cast(descendants as boolean) as descendants
    from (select unnest($concepts, recursive := true))
    where csk >= 0
)

select csk, concept_id from seed
{{descendants}}
