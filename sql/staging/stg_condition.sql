-- one row per condition_occurrence in the shape every criteria domain shares
-- end_date: an empty condition_end_date means ongoing (far future)
with condition_row as (
    select
        c._row_id as rid,
        c.person_id,
        coalesce(c.condition_source_value, '') as code,
        coalesce(c.condition_concept_id, 0) as concept_id,
        c.condition_start_date as event_date,
        coalesce(c.condition_end_date, date '9999-12-31') as end_date,
        cast(null as double) as num,
        '' as unit,
        cast(null as bigint) as unit_concept,
        cast(null as double) as range_high,
        cast(null as double) as qual,
        cast(null as varchar) as value_text,
        cast(null as varchar) as value_key,
        cast(null as bigint) as value_concept,
        cast(null as varchar) as modifier_side
    from condition_occurrence as c
)

select * from condition_row
