-- the decision of each (person, rule instance) from its aggregates: the three-valued
-- result v, why it is unknown, and all of it packed in one small integer (state); the CTE
-- names carry an index date's suffix when one statement decides several dates
decided{{d}} as (
    select
        s.*,
        i.has_count,
        i.count_opc,
        i.count_a,
        i.count_b,
        i.missing,
        i.vk,
        i.vkind,
        i.pk,
        i.opc,
        i.a,
        i.b,
        (s.fl & 1) <> 0 as has_in,
        (s.fl & 8) <> 0 as has_before,
        (s.fl & 16) <> 0 as has_unsided,
        s.k_best % 4 as best,
        3 - s.k_worst % 4 as worst,
        case when i.distinct_grp then bit_count(coalesce(s.gm, 0)) else s.n_in end as cnt
    from {{stat}} as s
    inner join ps_inst as i on s.inst = i.inst
),

event_result{{d}} as (
    select
        person_id,
        inst,
        case
            -- no event of this limb in the window, but events without a side
            when not has_in and has_unsided then null
            when has_count then case when ps_satisfies(cnt, count_opc, count_a, count_b) then true else missing end
            when not has_in then missing
            when vk = 0 then true
            -- any: one satisfying row decides
            when pk = 0 then case when (fl & 2) <> 0 then true when (fl & 4) <> 0 then null else false end
            -- latest: the rows of the latest day decide; an uninterpretable one or a
            -- disagreement among them leaves the rule unknown
            when pk = 1 then
                case when best = 2 then null when best = 1 and worst = 0 then null else best = 1 end
            when (fl & 4) <> 0 then null
            else ps_satisfies(case when pk = 3 then -ext else ext end, opc, a, b)
        end as v,
        not has_in and not has_unsided as absent,
        has_in,
        has_before,
        has_unsided,
        has_count,
        pk,
        best{{evidence_columns}}
    from decided{{d}}
),

event_reason{{d}} as (
    select
        *,
        case
            when v is not null then null
            when not has_in and has_unsided then 'side_unknown'
            when has_count or not has_in then case when has_before then 'stale' else 'no_data' end
            when pk = 1 and best <> 2 then 'conflict'
            else 'unit_unknown'
        end as reason
    from event_result{{d}}
),

-- the result in 5 bits (sql_compile.STATE_BITS): 1 + code (0 false, 1 true, else the
-- unknown's reason code) + 8 if no event lay in the window + 16 if one did
event_state{{d}} as (
    select
        *,
        1
        + case
            when v then 1
            when not v then 0
            when reason = 'no_data' then 2
            when reason = 'stale' then 3
            when reason = 'conflict' then 4
            when reason = 'unit_unknown' then 5
            else 6
        end
        + case when absent then 8 else 0 end
        + case when has_in then 16 else 0 end as state
    from event_reason{{d}}
)
