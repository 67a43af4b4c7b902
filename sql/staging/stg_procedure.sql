-- one row per procedure_occurrence in the shape every criteria domain shares
-- laterality may come from the CPT modifier: RT right, LT left, 50 bilateral
with procedure_row as (
    select
        p._row_id as rid,
        p.person_id,
        coalesce(p.procedure_source_value, '') as code,
        coalesce(p.procedure_concept_id, 0) as concept_id,
        p.procedure_date as event_date,
        p.procedure_date as end_date,
        cast(null as double) as num,
        '' as unit,
        cast(null as bigint) as unit_concept,
        cast(null as double) as range_high,
        cast(null as double) as qual,
        cast(null as varchar) as value_text,
        cast(null as varchar) as value_key,
        cast(null as bigint) as value_concept,
        case upper(trim(p.modifier_source_value))
            when 'RT' then 'R'
            when 'LT' then 'L'
            when '50' then 'B'
        end as modifier_side
    from procedure_occurrence as p
)

select * from procedure_row
