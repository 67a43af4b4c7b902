-- one row per person and reported row (top-level criteria, then their reported sub-rules,
-- in protocol order: `ord`), built from the status pass (ps_status) and, where someone
-- reads it, the evidence pass (ps_evidence). For an ineligible person outside the worklist
-- (ps_need.all_rows false) only the failing criteria and their sub-rules keep evidence.
create or replace table {{table}} as
with
person_row as (
    select
        s.person_id,
        s.codes,
        s.reasons,
        coalesce(e.es, list_transform(s.codes, lambda c: cast(null as varchar))) as es,
        coalesce(n.all_rows, false) as all_rows,
        case when e.person_id is not null then
            list_filter(
                list_transform(
                    range(1, len(s.codes) + 1),
                    lambda k: case when $top[k] and s.codes[k] = 1 then $ids[k] end
                ),
                lambda x: x is not null
            )
        end as failing
    from ps_status as s
    left join ps_evidence as e on s.person_id = e.person_id
    left join ps_need as n on s.person_id = n.person_id
),

long_row as (
    select
        person_id,
        unnest(range(1, len(codes) + 1)) as ord,
        unnest(codes) as code,
        unnest(reasons) as reason,
        unnest(es) as evidence,
        all_rows,
        failing
    from person_row
),

kept as (
    select
        person_id,
        ord,
        $ids[ord] as criterion_id,
        $labels[code + 1] as result,
        case
            when all_rows then evidence
            -- an ineligible person: the failing criteria and their sub-rules
            when list_contains(failing, $parents[ord]) then evidence
        end as evidence,
        reason
    from long_row
)

select person_id, criterion_id, result, evidence, reason, cast(ord as integer) as ord from kept
