-- one row per observation; value_as_string carries categories (ulcer exposure, gangrene)
select
    observation_id as rid,
    person_id,
    coalesce(observation_source_value, '') as code,
    coalesce(observation_concept_id, 0) as concept_id,
    observation_date as event_date,
    observation_date as end_date,
    value_as_number as num,
    coalesce(unit_source_value, '') as unit,
    cast(null as double) as range_high,
    value_as_concept_id as value_concept,
    value_as_string as value_text,
    cast(null as varchar) as modifier_side
from observation
-- one batch of persons at a time keeps memory bounded (see sql_engine.evaluate_sql)
where person_id between $person_lo and $person_hi
