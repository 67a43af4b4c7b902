-- one row per integer of criterion_code and what it means: `criterion` ord → criterion id
-- (1-based output position), `result` code → pass/fail/unknown/manual (0-based), `reason`
-- reason_code → why a result is unknown (1-based). Bound lists: nothing is pasted.
create or replace table result_label as
select
    'criterion' as kind,
    cast(generate_subscripts($ids, 1) as smallint) as code,
    cast(unnest($ids) as varchar) as label
union all
select
    'result' as kind,
    cast(generate_subscripts($results, 1) - 1 as smallint) as code,
    cast(unnest($results) as varchar) as label
union all
select
    'reason' as kind,
    cast(generate_subscripts($reasons, 1) as smallint) as code,
    cast(unnest($reasons) as varchar) as label
