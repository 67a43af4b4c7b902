-- one row per death record
select
    cast(0 as bigint) as rid,
    person_id,
    '' as code,
    0 as concept_id,
    death_date as event_date,
    death_date as end_date,
    cast(null as double) as num,
    '' as unit,
    cast(null as double) as range_high,
    cast(null as bigint) as value_concept,
    cast(null as varchar) as value_text,
    cast(null as varchar) as modifier_side
from death
-- one batch of persons at a time keeps memory bounded (see sql_engine.evaluate_sql)
where person_id between $person_lo and $person_hi
