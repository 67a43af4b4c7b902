-- one row per unit concept id prescreen knows ($builtin, prescreen.vocabulary): the
-- extract has no concept table of its own
create or replace temp table ps_unit_concept as
with builtin as (
    select cast(concept_id as bigint) as concept_id, cast(unit as varchar) as unit
    from (select unnest($builtin, recursive := true))
)

select * from builtin
