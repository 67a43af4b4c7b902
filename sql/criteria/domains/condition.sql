-- one row per condition_occurrence, in the shape every domain shares
-- end_date: an empty condition_end_date means ongoing
select
    condition_occurrence_id as rid,
    person_id,
    coalesce(condition_source_value, '') as code,
    coalesce(condition_concept_id, 0) as concept_id,
    condition_start_date as event_date,
    coalesce(condition_end_date, date '9999-12-31') as end_date,
    cast(null as double) as num,
    '' as unit,
    cast(null as double) as range_high,
    cast(null as bigint) as value_concept,
    cast(null as varchar) as value_text,
    cast(null as varchar) as modifier_side
from condition_occurrence
-- one batch of persons at a time keeps memory bounded (see sql_engine.evaluate_sql)
where person_id between $person_lo and $person_hi
