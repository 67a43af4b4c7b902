-- one row per measurement; value_source_value carries qualitative results
select
    measurement_id as rid,
    person_id,
    coalesce(measurement_source_value, '') as code,
    coalesce(measurement_concept_id, 0) as concept_id,
    measurement_date as event_date,
    measurement_date as end_date,
    value_as_number as num,
    coalesce(unit_source_value, '') as unit,
    range_high,
    value_as_concept_id as value_concept,
    value_source_value as value_text,
    cast(null as varchar) as modifier_side
from measurement
-- one batch of persons at a time keeps memory bounded (see sql_engine.evaluate_sql)
where person_id between $person_lo and $person_hi
