-- one row per person and reported criterion (top-level criteria and their sub-rules):
-- person_id, criterion_id, result (pass/fail/unknown/manual), evidence, reason.
-- Every value from the criteria file is a bound parameter ($patterns, $inst, ...);
-- the slots below are filled by the compiler with engine-generated column lists only.
with
code_pattern as (
    select codeset::varchar as codeset, csk::integer as csk, role::varchar as role, ord::integer as ord,
        grp::varchar as grp, gidx::integer as gidx, pat::varchar as pat
    from (select unnest($patterns, recursive := true))
),

concept_seed as (
    select codeset::varchar as codeset, csk::integer as csk, concept_id::bigint as concept_id,
        descendants::boolean as descendants
    from (select unnest($concepts, recursive := true))
),

concept_member as (
    select codeset, csk, concept_id from concept_seed
    {{descendants}}
),

inst as (
    select inst::integer as inst, dc::integer as dc, domain::varchar as domain, codeset::varchar as codeset,
        scope::varchar as scope, lo::date as lo, hi::date as hi, active::boolean as active,
        vkind::varchar as vkind, op::varchar as op, v1::double as v1, v2::double as v2,
        vals::varchar[] as vals, pick::varchar as pick, has_count::boolean as has_count,
        cnt_op::varchar as cnt_op, cnt_n::double as cnt_n, distinct_grp::boolean as distinct_grp,
        missing::boolean as missing, label::varchar as label, no_data_text::varchar as no_data_text,
        group_names::varchar[] as group_names
    from (select unnest($inst, recursive := true))
),

unit_factor as (
    select inst::integer as inst, unit::varchar as unit, factor::double as factor
    from (select unnest($units, recursive := true))
),

{{domain_ctes}}

hits as (
{{hits_union}}
),

event_result as materialized (
{{event_result}}
),

event_wide as (
{{event_wide}}
),

person_base as (
    select
        person_id,
        gender_concept_id,
        birth_date,
        year($as_of) - year(birth_date)
        - case when strftime($as_of, '%m%d') < strftime(birth_date, '%m%d') then 1 else 0 end as age
    from (
        select
            person_id,
            gender_concept_id,
            -- birth_datetime wins; else year/month/day, a missing month read as July 1
            -- and a missing day as the 15th
            coalesce(
                cast(birth_datetime as date),
                try_cast(
                    printf('%04d-%02d-%02d', year_of_birth, coalesce(month_of_birth, 7),
                        coalesce(day_of_birth, case when month_of_birth is null then 1 else 15 end))
                    as date)
            ) as birth_date
        from person
        where person_id between $person_lo and $person_hi
    )
),

-- the rule tree, one layer per depth so each node is computed once from its children
{{node_layers}}

criterion_row as (
    select
        person_id,
        unnest($out_ord::integer[]) as ord,
        unnest($out_id::varchar[]) as criterion_id,
        unnest($out_kind::varchar[]) as kind,
        unnest($out_manual::boolean[]) as manual,
        unnest([{{out_v}}]::boolean[]) as v,
        unnest([{{out_r}}]::varchar[]) as r,
        unnest([{{out_e}}]::varchar[]) as evidence
    from node_value
)

select
    person_id,
    criterion_id,
    case
        when manual then 'manual'
        when v is null then 'unknown'
        when v = (kind = 'inclusion') then 'pass'
        else 'fail'
    end as result,
    evidence,
    case when not manual and v is null then r end as reason
from criterion_row
order by person_id, ord
