-- one row per procedure_occurrence; laterality may come from the CPT modifier
select
    procedure_occurrence_id as rid,
    person_id,
    coalesce(procedure_source_value, '') as code,
    coalesce(procedure_concept_id, 0) as concept_id,
    procedure_date as event_date,
    procedure_date as end_date,
    cast(null as double) as num,
    '' as unit,
    cast(null as double) as range_high,
    cast(null as bigint) as value_concept,
    cast(null as varchar) as value_text,
    case modifier_source_value when 'RT' then 'R' when 'LT' then 'L' when '50' then 'B' end
        as modifier_side
from procedure_occurrence
-- one batch of persons at a time keeps memory bounded (see sql_engine.evaluate_sql)
where person_id between $person_lo and $person_hi
