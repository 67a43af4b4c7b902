-- one row per person and event-rule instance that has at least one matching event:
-- the rule's three-valued result (v: true/false/NULL = unknown), the reason of an
-- unknown, and the evidence a coordinator can check in the chart.
-- Reads `hits` (matching rows of every domain) and the bound instance table `inst`.
-- One hash aggregation over the matching rows; no per-criterion scans. The aggregation
-- keeps only scalar keys (a row's date and record id packed in one number): carrying the
-- evidence fields as a struct through arg_max cost ten times more. The one row whose
-- evidence is shown is then joined back from `hits` by its record id.
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
        -- latest date first, then the lowest record id (the table's primary key)
        ps_rank_key(h.event_date, h.rid) as rank_key,
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
        on h.dc = i.dc
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
        max(event_date) filter (where before_window) as last_before,
        -- rank keys of the latest in-window, satisfying and uninterpretable rows
        max(rank_key) filter (where in_window) as k_in,
        max(rank_key) filter (where in_window and sat) as k_sat,
        max(rank_key) filter (where in_window and bad) as k_bad,
        max(event_date) filter (where in_window and not sat and pick = 'latest') as latest_unsat,
        -- min/max: the smallest (largest) value; ties go to the latest, earliest-recorded row
        -- ($uses_min/$uses_max false: the trial has no such rule and DuckDB drops the work)
        arg_min(struct_pack(k := rank_key, sat), struct_pack(c := conv, k := -rank_key))
            filter (where $uses_min and in_window and sat is not null and pick = 'min') as min_row,
        arg_min(struct_pack(k := rank_key, sat), struct_pack(c := -conv, k := -rank_key))
            filter (where $uses_max and in_window and sat is not null and pick = 'max') as max_row,
        -- distinct groups as a bit set (a DISTINCT aggregate would force a second pass)
        bit_or(1::bigint << gidx)
            filter (where $uses_groups and in_window and gidx is not null and distinct_grp) as group_mask
    from judged_row
    group by person_id, inst
),

decided as (
    select
        s.*,
        ps_key_date(s.k_in) as latest,
        ps_key_date(s.k_sat) as latest_sat,
        ps_key_date(s.k_bad) as latest_bad,
        i.label,
        i.vkind,
        i.pick,
        i.has_count,
        i.no_data_text,
        i.distinct_grp,
        i.dc,
        case when i.distinct_grp then coalesce(bit_count(s.group_mask), 0) else s.n_in end as cnt,
        i.group_names,
        case
            when i.has_count then
                case when ps_compare(cnt, i.cnt_op, i.cnt_n) then true else i.missing end
            when s.n_in = 0 then i.missing
            when i.vkind = 'none' then true
            when i.pick = 'any' then
                case when s.k_sat is not null then true when s.k_bad is not null then null else false end
            when i.pick = 'latest' then
                case
                    when latest_bad = latest then null
                    -- contradictory results on the latest day
                    when latest_sat = latest and s.latest_unsat = latest then null
                    else coalesce(latest_sat = latest, false)
                end
            when s.k_bad is not null then null
            when i.pick = 'min' then s.min_row.sat
            else s.max_row.sat
        end as v,
        -- the row whose evidence is shown (NULL: the text names no single row)
        case
            when i.has_count or s.n_in = 0 then null
            when i.vkind = 'none' then s.k_in
            when i.pick = 'any' then coalesce(s.k_sat, s.k_bad, s.k_in)
            when i.pick = 'latest' then
                case
                    when latest_bad = latest then s.k_bad
                    when latest_sat = latest and s.latest_unsat = latest then null
                    when latest_sat = latest then s.k_sat
                    else s.k_in
                end
            when s.k_bad is not null then s.k_bad
            when i.pick = 'min' then s.min_row.k
            else s.max_row.k
        end as shown_key
    from inst_stat as s
    inner join inst as i on s.inst = i.inst
),

event_result as (
    select
        d.person_id,
        d.inst,
        d.v,
        case
            when d.v is not null then null
            when d.has_count or d.n_in = 0 then case when d.last_before is not null then 'stale' else 'no_data' end
            when d.pick = 'latest' and coalesce(d.latest_bad <> d.latest, true) then 'conflict'
            else 'unit_unknown'
        end as reason,
        {{evidence_row}} as ev,
        {{evidence}} as evidence
    from decided as d
    {{evidence_join}}
)

select * exclude (ev) from event_result
