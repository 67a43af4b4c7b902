-- one row per person and event-rule instance that has at least one matching event:
-- the rule's three-valued result (v: true/false/NULL = unknown), the reason of an
-- unknown, and the evidence a coordinator can check in the chart.
-- Reads `hits` (matching rows of every domain) and the bound instance table `inst`.
-- One hash aggregation over the matching rows; no per-criterion scans.
with
inst_row as (
    select
        h.person_id,
        i.inst,
        h.event_date,
        h.gidx,
        h.num,
        h.range_high,
        i.vkind,
        i.pick,
        i.distinct_grp,
        -- evidence row fields, carried as one struct and picked by `rank_key`
        {{evidence_row}} as ev,
        -- latest date first, then the lowest record id (the table's primary key)
        cast(date_diff('day', date '1970-01-01', h.event_date) as hugeint) * 18446744073709551616
            - h.rid as rank_key,
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
        -- the value in the predicate's terms: converted number, value / upper limit of
        -- normal, or 1/0 for a qualitative or category result; NULL = uninterpretable
        case i.vkind
            when 'num' then h.num * u.factor
            when 'between' then h.num * u.factor
            when 'uln' then case when h.range_high > 0 then h.num / h.range_high end
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
        end as conv,
        i.op,
        i.v1,
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
            when conv is null then null
            when vkind = 'between' then conv between v1 and v2
            else ps_compare(conv, op, v1)
        end as sat,
        -- an uninterpretable value (presence rules have no value to interpret)
        vkind <> 'none' and conv is null as bad
    from inst_row
),

inst_stat as (
    select
        person_id,
        inst,
        count(*) filter (where in_window) as n_in,
        count(*) filter (where in_window and sat) as n_sat,
        count(*) filter (where in_window and bad) as n_bad,
        max(event_date) filter (where before_window) as last_before,
        max(event_date) filter (where in_window) as latest,
        max(event_date) filter (where in_window and sat) as latest_sat,
        max(event_date) filter (where in_window and not sat) as latest_unsat,
        max(event_date) filter (where in_window and bad) as latest_bad,
        arg_max(ev, rank_key) filter (where in_window) as first_ev,
        arg_max(ev, rank_key) filter (where in_window and sat) as sat_ev,
        arg_max(ev, rank_key) filter (where in_window and bad) as bad_ev,
        -- min/max: the smallest (largest) value; ties go to the latest, earliest-recorded row
        arg_min(struct_pack(ev, sat), struct_pack(c := conv, k := -rank_key))
            filter (where in_window and sat is not null and pick = 'min') as min_row,
        arg_min(struct_pack(ev, sat), struct_pack(c := -conv, k := -rank_key))
            filter (where in_window and sat is not null and pick = 'max') as max_row,
        -- distinct groups as a bit set (a DISTINCT aggregate would force a second pass)
        bit_or(1::bigint << gidx) filter (where in_window and gidx is not null and distinct_grp) as group_mask
    from judged_row
    group by person_id, inst
),

decided as (
    select
        s.*,
        i.label,
        i.vkind,
        i.pick,
        i.has_count,
        i.no_data_text,
        i.distinct_grp,
        case when i.distinct_grp then coalesce(bit_count(s.group_mask), 0) else s.n_in end as cnt,
        list_filter(i.group_names, lambda g, j: ((coalesce(s.group_mask, 0) >> (j - 1)) & 1) = 1) as groups,
        case
            when i.has_count then
                case when ps_compare(cnt, i.cnt_op, i.cnt_n) then true else i.missing end
            when s.n_in = 0 then i.missing
            when i.vkind = 'none' then true
            when i.pick = 'any' then
                case when s.n_sat > 0 then true when s.n_bad > 0 then null else false end
            when i.pick = 'latest' then
                case
                    when s.latest_bad = s.latest then null
                    -- contradictory results on the latest day
                    when s.latest_sat = s.latest and s.latest_unsat = s.latest then null
                    else coalesce(s.latest_sat = s.latest, false)
                end
            when s.n_bad > 0 then null
            when i.pick = 'min' then s.min_row.sat
            else s.max_row.sat
        end as v
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
            when pick = 'latest' and coalesce(latest_bad <> latest, true) then 'conflict'
            else 'unit_unknown'
        end as reason,
        {{evidence}} as evidence
    from decided
)

select * from event_result
