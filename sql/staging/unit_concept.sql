-- one row per unit concept id: the unit it names, as prescreen spells it when prescreen
-- knows it (else the UCUM code as it is: an unknown unit). The extract's own concept
-- table wins; the built-in UCUM ids ($builtin, prescreen.vocabulary) fill the gaps.
create or replace temp table ps_unit_concept as
with
from_extract as (
    select
        c.concept_id,
        coalesce(a.unit, c.concept_code) as unit
    from concept as c
    left join ps_unit_alias as a on lower(trim(c.concept_code)) = a.alias
    where c.vocabulary_id = 'UCUM' and c.concept_code is not null
),

builtin as (
    select cast(concept_id as bigint) as concept_id, cast(unit as varchar) as unit
    from (select unnest($builtin, recursive := true))
),

unit_concept as (
    select concept_id, unit from from_extract
    union all
    select b.concept_id, b.unit from builtin as b
    anti join from_extract as e on b.concept_id = e.concept_id
)

select * from unit_concept
