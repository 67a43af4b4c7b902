-- one row per person of the batch and rule instance (ps_inst) with at least one event of
-- its code set: the rule's three-valued result v (NULL = unknown), why it is unknown, and
-- whether no event lay in the window (`absent`, for `missing: {false_if}`).
-- Each event row meets only the instances of its own code set (a join on the code-set
-- key), and each (person, instance) keeps six small aggregates: the latest date packed
-- with the row's category (twice, to see the best and the worst row of that day), a bit
-- set of what was seen, a count, the group bits and the extreme value.
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
        i.vkind,
        i.pick,
        i.scope <> '*' and h.side is null as unsided,
        -- window bounds are inclusive; `active`: the event's span reaches span_from
        case
            when i.active then h.event_date <= i.hi and h.end_date >= i.span_from
            else h.event_date <= i.hi and (i.lo is null or h.event_date >= i.lo)
        end as in_dates,
        case
            when i.active then h.event_date <= i.hi and h.end_date < i.span_from
            else coalesce(h.event_date < i.lo, false)
        end as before_dates,
        -- the value in the predicate's terms: converted number, value / upper limit of
        -- normal, or 1/0 for a qualitative or category result; NULL = uninterpretable
        case i.vkind
            when 'num' then h.num * u.factor + u.addend
            when 'between' then h.num * u.factor + u.addend
            when 'uln' then case when h.range_high > 0 then h.num / h.range_high end
            when 'qual' then h.qual
            when 'in' then
                case
                    when h.value_key is null then null
                    when list_contains(i.vals, h.value_key) then 1.0
                    else 0.0
                end
        end as conv,
        i.op,
        i.v1,
        i.t1,
        i.v2,
        i.t2,
        i.active,
        i.hi
    from hits as h
    inner join ps_inst as i
        on h.dom = i.dom
        and h.csk = i.csk
        and (i.scope = '*' or h.side is null or h.side = i.scope or h.side = 'B')
        and (i.gbit is null or ((h.gmask >> i.gbit) & 1) = 1)
    left join ps_unit_conv as u
        on i.conv_id = u.conv_id and h.unit = u.unit
),

judged as (
    select
        *,
        in_dates and not unsided as in_window,
        -- 0 in the window and not satisfying (or a presence rule's row), 1 satisfying,
        -- 2 uninterpretable (unit, missing ULN, neither positive nor negative)
        case
            when vkind = 'none' then 0
            when conv is null then 2
            when ps_satisfies(conv, vkind, op, v1, t1, v2, t2) then 1
            else 0
        end as cat
    from pair
),

keyed as (
    select
        *,
        -- latest rule: the day number with the category packed in, on rows up to hi
        case
            when pick = 'latest' and not unsided and not active and event_date <= hi
                then cast(date_diff('day', date '0001-01-01', event_date) as bigint) * 4
        end as day4,
        case when in_window then 1 else 0 end
        | case when in_window and cat = 1 then 2 else 0 end
        | case when in_window and cat = 2 then 4 else 0 end
        | case when before_dates and not unsided then 8 else 0 end
        | case when unsided and in_dates then 16 else 0 end as flags
    from judged
),

inst_stat as (
    select
        person_id,
        inst,
        max(day4 + cat) as k_best,
        max(day4 + 3 - cat) as k_worst,
        bit_or(flags) as fl,
        sum(case when in_window then 1 else 0 end) as n_in,
        bit_or(case when in_window then gmask end) as gm,
        min(case when in_window and cat <> 2 then case when pick = 'max' then -conv else conv end end)
            as ext{{evidence_aggregates}}
    from keyed
    group by person_id, inst
),

decided as (
    select
        s.*,
        i.has_count,
        i.cnt_op,
        i.cnt_n,
        i.cnt_t,
        i.missing,
        i.vkind,
        i.pick,
        i.op,
        i.v1,
        i.t1,
        i.v2,
        i.t2,
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
            when has_count then case when ps_compare(cnt, cnt_op, cnt_n, cnt_t) then true else missing end
            when not has_in then missing
            when vkind = 'none' then true
            when pick = 'any' then
                case when (fl & 2) <> 0 then true when (fl & 4) <> 0 then null else false end
            -- latest: the rows of the latest day decide; an uninterpretable one or a
            -- disagreement among them leaves the rule unknown
            when pick = 'latest' then
                case when best = 2 then null when best = 1 and worst = 0 then null else best = 1 end
            when (fl & 4) <> 0 then null
            else ps_satisfies(case when pick = 'max' then -ext else ext end, vkind, op, v1, t1, v2, t2)
        end as v,
        not has_in and not has_unsided as absent,
        has_in,
        has_before,
        has_unsided,
        has_count,
        pick,
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
            when pick = 'latest' and best <> 2 then 'conflict'
            else 'unit_unknown'
        end as reason
    from event_result
)

select * from event_reason
