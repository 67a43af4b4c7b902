-- one row per measurement in the shape every criteria domain shares
-- unit: the recorded unit_source_value when it is a unit prescreen knows (any case);
-- else the unit of unit_concept_id (the extract's concept table, else the UCUM ids
-- prescreen knows); else the recorded text as it is (an unknown unit)
-- a non-finite number (NaN, infinity) is no value: it cannot be compared
with measurement_row as (
    select
        m._row_id as rid,
        m.person_id,
        coalesce(m.measurement_source_value, '') as code,
        coalesce(m.measurement_concept_id, 0) as concept_id,
        m.measurement_date as event_date,
        m.measurement_date as end_date,
        case when isfinite(m.value_as_number) then m.value_as_number end as num,
        coalesce(a.unit, c.unit, nullif(trim(m.unit_source_value), ''), '') as unit,
        case when a.unit is null and c.unit is not null then m.unit_concept_id end as unit_concept,
        case when isfinite(m.range_high) then m.range_high end as range_high,
        coalesce(vc.qual, vt.qual) as qual,
        m.value_source_value as value_text,
        lower(trim(m.value_source_value)) as value_key,
        m.value_as_concept_id as value_concept,
        cast(null as varchar) as modifier_side
    from measurement as m
    left join ps_unit_alias as a on lower(trim(m.unit_source_value)) = a.alias
    left join ps_unit_concept as c on m.unit_concept_id = c.concept_id
    left join ps_value_concept as vc on m.value_as_concept_id = vc.concept_id
    left join ps_value_text as vt on lower(trim(m.value_source_value)) = vt.alias
)

select * from measurement_row
