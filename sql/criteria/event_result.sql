-- one row per person of the batch and rule instance (ps_inst) with at least one event of
-- its code set: the rule's three-valued result v (NULL = unknown), why it is unknown,
-- whether no event lay in the window (`absent`, for `missing: {false_if}`), and all of it
-- packed in one small integer (`state`).
-- Each event row meets only the instances of its own code set and side (one integer join
-- key, ps_inst_side), is judged once, and each (person, instance) keeps three small
-- aggregates: the latest day packed with the row's category, twice (to see the best and
-- the worst row of that day), and a bit set of what was seen; counts, group counts and
-- min/max only when a rule of the trial uses them.
with
pair as (
    select
        h.person_id,
        h.dom,
        h.rid,
        h.code,
        h.event_date,
        h.gmask,
        i.inst,
        i.vk,
        i.pk,
        i.opc,
        i.a,
        i.b,
        i.latest,
        i.has_count as counting,
        -- a limb instance meets events without a side only to know they exist
        i.limb and h.side_code = 0 as unsided,
        -- window bounds are inclusive; `active` windows test the event's end (span_from)
        h.event_date <= i.hi as upto,
        case when i.use_end then h.end_date else h.event_date end >= i.lo2 as fromok,
        -- the value in the predicate's terms: converted number, value / upper limit of
        -- normal, or 1/0 for a qualitative or category result; NULL = uninterpretable
        case i.vk
            when 1 then h.num * u.factor + u.addend
            when 2 then h.num * u.factor + u.addend
            when 3 then case when h.range_high > 0 then h.num / h.range_high end
            when 4 then h.qual
            when 5 then
                case
                    when h.value_key is null then null
                    when list_contains(i.vals, h.value_key) then 1.0
                    else 0.0
                end
        end as conv
    from hits as h{{need_join}}
    inner join ps_inst_side as i
        on h.jk = i.jk
        and (i.gbit is null or ((h.gmask >> i.gbit) & 1) = 1){{need_side}}
    left join ps_unit_conv as u
        on i.conv_id = u.conv_id and h.unit = u.unit
),

judged as (
    select
        *,
        upto and fromok and not unsided as in_window,
        upto and not fromok and not unsided as before_window,
        -- 0 in the window and not satisfying (or a presence rule's row), 1 satisfying,
        -- 2 uninterpretable (unit, missing ULN, non-finite, neither positive nor negative)
        case
            when vk = 0 then 0
            when conv is null then 2
            when ps_satisfies(conv, opc, a, b) then 1
            else 0
        end as cat
    from pair
),

keyed as (
    select
        *,
        -- latest rule: the day number with the category packed in, on rows up to hi
        case
            when latest and upto and not unsided
                then cast(date_diff('day', date '0001-01-01', event_date) as bigint) * 4
        end as day4,
        case when in_window then 1 else 0 end
        | case when in_window and cat = 1 then 2 else 0 end
        | case when in_window and cat = 2 then 4 else 0 end
        | case when before_window then 8 else 0 end
        | case when unsided and upto and fromok then 16 else 0 end as flags
    from judged
),

inst_stat as (
    select
        person_id,
        inst,
        max(day4 + cat) as k_best,
        max(day4 + 3 - cat) as k_worst,
        bit_or(flags) as fl,
        -- only what the trial's rules use: counts, group counts, min/max (else NULL)
{{optional_aggregates}}{{evidence_aggregates}}
    from keyed
    group by person_id, inst
),

decided as (
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
    from inst_stat as s
    inner join ps_inst as i on s.inst = i.inst
),

event_result as (
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
    from decided
),

event_reason as (
    select
        *,
        case
            when v is not null then null
            when not has_in and has_unsided then 'side_unknown'
            when has_count or not has_in then case when has_before then 'stale' else 'no_data' end
            when pk = 1 and best <> 2 then 'conflict'
            else 'unit_unknown'
        end as reason
    from event_result
),

-- the result in 5 bits (sql_compile.STATE_BITS): 1 + code (0 false, 1 true, else the
-- unknown's reason code) + 8 if no event lay in the window + 16 if one did
event_state as (
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
    from event_reason
)

select * from event_state
