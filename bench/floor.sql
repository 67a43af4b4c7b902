-- one row per event table: the cheapest possible pass over the columns NL003 reads.
-- The floor for the screen stage: DuckDB reads each event table once, only the columns
-- the criteria need (person, code, dates, value, unit, upper limit, value concept/text),
-- and folds them into a trivial aggregate, so no engine can do the screen faster.
with
person_scan as (
    select 'person' as tbl, count(*) as n_rows,
        sum(person_id + gender_concept_id + year_of_birth + coalesce(month_of_birth, 0)
            + coalesce(day_of_birth, 0) + coalesce(epoch(birth_datetime), 0)) as checksum
    from person
),

condition_scan as (
    select 'condition_occurrence' as tbl, count(*) as n_rows,
        sum(person_id + length(condition_source_value) + epoch(condition_start_date)
            + coalesce(epoch(condition_end_date), 0)) as checksum
    from condition_occurrence
),

procedure_scan as (
    select 'procedure_occurrence' as tbl, count(*) as n_rows,
        sum(person_id + length(procedure_source_value) + epoch(procedure_date)
            + coalesce(length(modifier_source_value), 0)) as checksum
    from procedure_occurrence
),

drug_scan as (
    select 'drug_exposure' as tbl, count(*) as n_rows,
        sum(person_id + length(drug_source_value) + epoch(drug_exposure_start_date)
            + coalesce(epoch(drug_exposure_end_date), 0) + coalesce(days_supply, 0)) as checksum
    from drug_exposure
),

measurement_scan as (
    select 'measurement' as tbl, count(*) as n_rows,
        sum(person_id + length(measurement_source_value) + epoch(measurement_date)
            + coalesce(value_as_number, 0) + coalesce(length(unit_source_value), 0)
            + coalesce(range_high, 0) + coalesce(value_as_concept_id, 0)
            + coalesce(length(value_source_value), 0)) as checksum
    from measurement
),

observation_scan as (
    select 'observation' as tbl, count(*) as n_rows,
        sum(person_id + length(observation_source_value) + epoch(observation_date)
            + coalesce(value_as_number, 0) + coalesce(length(value_as_string), 0)
            + coalesce(value_as_concept_id, 0)) as checksum
    from observation
),

all_scans as (
    select * from person_scan
    union all select * from condition_scan
    union all select * from procedure_scan
    union all select * from drug_scan
    union all select * from measurement_scan
    union all select * from observation_scan
)

select * from all_scans
