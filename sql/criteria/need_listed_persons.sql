-- one row per person asked for by id ($ids, `prescreen explain`): every row's evidence
create or replace temp table ps_need as
select
    cast(unnest($ids) as bigint) as person_id,
    true as all_rows,
    cast(null as integer[]) as csks,
    cast(null as varchar) as sel
