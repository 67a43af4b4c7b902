-- one row per person and event-rule instance that has at least one matching event:
-- the rule's three-valued result (v: true/false/NULL = unknown), the reason of an
-- unknown, and the evidence a coordinator can check in the chart.
-- Reads `hits` (matching rows of every domain) and the bound instance table `inst`.
with
inst_row as (
    select
        h.person_id,
        i.inst,
        h.event_date,
        h.code,
        h.num,
        h.unit,
        h.range_high,
        h.value_text,
        h.side,
        h.grp,
        -- window bounds are inclusive; "active" also needs the event to span the index date
        h.event_date <= i.hi
        and (i.lo is null or h.event_date >= i.lo)
        and (not i.active or h.end_date >= $as_of) as in_window,
        coalesce(
            case
                when i.active then h.event_date <= i.hi and h.end_date < $as_of
                else h.event_date < i.lo
            end, false
        ) as before_window,
        case i.vkind
            when 'num' then h.num * u.factor
            when 'between' then h.num * u.factor
            when 'uln' then h.num
            when 'qual' then
                case
                    when h.value_concept in (9191, 45884084) then 1.0
                    when h.value_concept in (9189, 45878583) then 0.0
                    when lower(trim(h.value_text)) in ('positive', 'reactive', 'detected') then 1.0
                    when lower(trim(h.value_text)) in ('negative', 'non-reactive', 'nonreactive', 'not detected')
                        then 0.0
                end
            when 'in' then
                case
                    when h.value_text is null then null
                    when list_contains(i.vals, lower(trim(h.value_text))) then 1.0
                    else 0.0
                end
        end as x,
        -- the right-hand side: the threshold, or threshold x upper limit of normal
        case
            when i.vkind = 'uln' then i.v1 * case when h.range_high > 0 then h.range_high end
            else i.v1
        end as y,
        i.vkind,
        i.op,
        i.v2
    from hits as h
    inner join inst as i
        on h.domain = i.domain
        and h.codeset = i.codeset
        and (i.scope = '*' or h.side = i.scope or h.side = 'B')
    left join unit_factor as u
        on u.inst = i.inst and u.unit = h.unit
),

judged_row as (
    select
        *,
        case
            when x is null or y is null then null
            when vkind = 'between' then x between y and v2
            else ps_compare(x, op, y)
        end as sat,
        case
            when vkind = 'uln' and y is not null then x / range_high
            when y is not null then x
        end as conv,
        struct_pack(code, num, unit, range_high, value_text, side, event_date, x) as ev,
        -- deterministic order among rows of one day
        struct_pack(code, n := coalesce(num, 'infinity'::double), unit,
            t := coalesce(value_text, ''), s := coalesce(side, ''), r := coalesce(range_high, 'infinity'::double)) as ord
    from inst_row
),

day_stat as (
    select
        person_id,
        inst,
        event_date,
        in_window,
        before_window,
        count(*) as n,
        count(*) filter (where sat is null) as n_bad,
        count(*) filter (where sat) as n_sat,
        count(*) filter (where not sat) as n_unsat,
        min(conv) filter (where sat is not null) as min_conv,
        max(conv) filter (where sat is not null) as max_conv,
        arg_min(ev, ord) as ev_first,
        arg_min(ev, ord) filter (where sat) as ev_sat,
        arg_min(ev, ord) filter (where sat is null) as ev_bad,
        arg_min(struct_pack(ev, sat), struct_pack(c := conv, o := ord)) filter (where sat is not null) as ev_min,
        arg_min(struct_pack(ev, sat), struct_pack(c := -conv, o := ord)) filter (where sat is not null) as ev_max,
        list(distinct grp) filter (where grp is not null) as grps
    from judged_row
    group by person_id, inst, event_date, in_window, before_window
),

inst_stat as (
    select
        person_id,
        inst,
        coalesce(sum(n) filter (where in_window), 0) as n_in,
        coalesce(sum(n_sat) filter (where in_window), 0) as n_sat,
        coalesce(sum(n_bad) filter (where in_window), 0) as n_bad,
        max(event_date) filter (where before_window) as last_before,
        arg_max(struct_pack(n_bad, n_sat, n_unsat, ev_first, ev_sat, ev_bad, d := event_date), event_date)
            filter (where in_window) as latest,
        arg_max(ev_sat, event_date) filter (where in_window and n_sat > 0) as any_sat_ev,
        arg_max(ev_bad, event_date) filter (where in_window and n_bad > 0) as any_bad_ev,
        arg_max(ev_first, event_date) filter (where in_window) as first_ev,
        arg_min(ev_min, struct_pack(c := min_conv, d := -epoch(event_date)))
            filter (where in_window and min_conv is not null) as min_row,
        arg_min(ev_max, struct_pack(c := -max_conv, d := -epoch(event_date)))
            filter (where in_window and max_conv is not null) as max_row,
        list_sort(list_distinct(flatten(list(grps) filter (where in_window)))) as groups
    from day_stat
    group by person_id, inst
),

decided as (
    select
        s.*,
        i.label,
        i.vkind,
        i.pick,
        i.has_count,
        i.missing,
        i.no_data_text,
        case when i.distinct_grp then coalesce(len(s.groups), 0) else s.n_in end as cnt,
        case
            when i.has_count then
                case when ps_compare(cnt, i.cnt_op, i.cnt_n) then true else i.missing end
            when s.n_in = 0 then i.missing
            when i.vkind = 'none' then true
            when i.pick = 'any' then
                case when s.n_sat > 0 then true when s.n_bad > 0 then null else false end
            when i.pick = 'latest' then
                case
                    when s.latest.n_bad > 0 then null
                    when s.latest.n_sat > 0 and s.latest.n_unsat > 0 then null
                    else s.latest.n_sat > 0
                end
            when s.n_bad > 0 then null
            when i.pick = 'min' then s.min_row.sat
            else s.max_row.sat
        end as v,
        i.distinct_grp
    from inst_stat as s
    inner join inst as i on s.inst = i.inst
),

event_result as (
    select
        person_id,
        inst,
        v,
        case
            when v is not null then null
            when has_count or n_in = 0 then case when last_before is not null then 'stale' else 'no_data' end
            when pick = 'latest' and latest.n_bad = 0 then 'conflict'
            else 'unit_unknown'
        end as reason,
        case
            when has_count then
                label || ': ' || cnt
                || case when distinct_grp then ' (' || coalesce(array_to_string(groups, ', '), '') || ')' else '' end
            when n_in = 0 then
                no_data_text || coalesce('; last on ' || strftime(last_before, '%Y-%m-%d'), '')
            when vkind = 'none' then ps_presence_evidence(label, first_ev)
            when pick = 'any' then
                ps_value_evidence(label, vkind,
                    case when n_sat > 0 then any_sat_ev when n_bad > 0 then any_bad_ev else first_ev end)
            when pick = 'latest' then
                case
                    when latest.n_bad > 0 then ps_value_evidence(label, vkind, latest.ev_bad)
                    when latest.n_sat > 0 and latest.n_unsat > 0 then
                        'conflicting ' || label || ' results on ' || strftime(latest.d, '%Y-%m-%d')
                    when latest.n_sat > 0 then ps_value_evidence(label, vkind, latest.ev_sat)
                    else ps_value_evidence(label, vkind, latest.ev_first)
                end
            when n_bad > 0 then ps_value_evidence(label, vkind, any_bad_ev)
            when pick = 'min' then ps_value_evidence(label, vkind, min_row.ev)
            else ps_value_evidence(label, vkind, max_row.ev)
        end as evidence
    from decided
)

select * from event_result
