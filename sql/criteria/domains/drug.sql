-- one row per drug_exposure; a drug is active from start to end, where end is
-- drug_exposure_end_date, else start + days_supply - 1, else the start date itself
select
    drug_exposure_id as rid,
    person_id,
    coalesce(drug_source_value, '') as code,
    coalesce(drug_concept_id, 0) as concept_id,
    drug_exposure_start_date as event_date,
    coalesce(
        drug_exposure_end_date,
        drug_exposure_start_date + cast(days_supply - 1 as integer),
        drug_exposure_start_date
    ) as end_date,
    cast(null as double) as num,
    '' as unit,
    cast(null as double) as range_high,
    cast(null as bigint) as value_concept,
    cast(null as varchar) as value_text,
    cast(null as varchar) as modifier_side
from drug_exposure
-- one batch of persons at a time keeps memory bounded (see sql_engine.evaluate_sql)
where person_id between $person_lo and $person_hi
