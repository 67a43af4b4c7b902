-- one row per death record in the shape every criteria domain shares
with death_row as (
    select
        d._row_id as rid,
        d.person_id,
        '' as code,
        0 as concept_id,
        d.death_date as event_date,
        d.death_date as end_date,
        cast(null as double) as num,
        '' as unit,
        cast(null as bigint) as unit_concept,
        cast(null as double) as range_high,
        cast(null as double) as qual,
        cast(null as varchar) as value_text,
        cast(null as varchar) as value_key,
        cast(null as bigint) as value_concept,
        cast(null as varchar) as modifier_side
    from death as d
)

select * from death_row
