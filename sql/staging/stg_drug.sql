-- one row per drug_exposure in the shape every criteria domain shares
-- a drug is active from start to end, where end is drug_exposure_end_date, else
-- start + days_supply - 1, else the start date itself
with drug_row as (
    select
        d._row_id as rid,
        d.person_id,
        coalesce(d.drug_source_value, '') as code,
        coalesce(d.drug_concept_id, 0) as concept_id,
        d.drug_exposure_start_date as event_date,
        coalesce(
            d.drug_exposure_end_date,
            d.drug_exposure_start_date + cast(d.days_supply - 1 as integer),
            d.drug_exposure_start_date
        ) as end_date,
        cast(null as double) as num,
        '' as unit,
        cast(null as bigint) as unit_concept,
        cast(null as double) as range_high,
        cast(null as double) as qual,
        cast(null as varchar) as value_text,
        cast(null as varchar) as value_key,
        cast(null as bigint) as value_concept,
        cast(null as varchar) as modifier_side
    from drug_exposure as d
)

select * from drug_row
