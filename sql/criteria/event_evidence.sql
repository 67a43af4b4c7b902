-- the evidence pass: event_result with, per (person, rule instance), the text a
-- coordinator can check in the chart. The shown row is found again in `hits` by its
-- domain, code set and row id.
with
event_core as (
{{event_result}}
),

shown_row as (
    select
        e.*,
        i.label,
        i.no_data_text,
        i.target_unit,
        i.distinct_grp,
        i.group_names,
        struct_pack(
            code := h.code, num := h.num, unit := h.unit, unit_concept := h.unit_concept,
            range_high := h.range_high, value_text := h.value_text, qual := h.qual,
            side := h.side, event_date := h.event_date, factor := u.factor, addend := u.addend
        ) as ev
    from event_core as e
    inner join ps_inst as i on e.inst = i.inst
    left join hits as h
        on e.person_id = h.person_id and i.dom = h.dom and i.csk = h.csk and h.rid = ps_key_rid(e.shown)
    left join ps_unit_conv as u on i.conv_id = u.conv_id and h.unit = u.unit
),

event_text as (
    select
        *,
        case
            -- "<label>: <n> (<groups>) — <code> <day>, …" (at most five events, newest first)
            when has_count then
                label || ': ' || cnt
                || case
                    when distinct_grp and coalesce(gm, 0) <> 0 then ' (' || array_to_string(
                        list_filter(group_names, lambda g, j: ((gm >> (j - 1)) & 1) = 1), ', ') || ')'
                    else ''
                end
                || case
                    when coalesce(len(items), 0) > 0 then ' — ' || array_to_string(
                        list_transform(
                            list_slice(list_sort(items), 1, 5),
                            lambda x: x.c || ' ' || strftime(date '0001-01-01' + cast(-x.n as integer), '%Y-%m-%d')
                        ), ', ')
                        || case when len(items) > 5 then ', …' else '' end
                    else ''
                end
            when not has_in and has_unsided then
                label || ' (side not recorded) on ' || strftime(ev.event_date, '%Y-%m-%d')
                || case when ev.code <> '' then ' [' || ev.code || ']' else '' end
            when not has_in then
                no_data_text || coalesce('; last on ' || strftime(last_before, '%Y-%m-%d'), '')
            -- no single row to show: contradictory results on the latest day
            when shown is null then
                'conflicting ' || label || ' results on '
                || strftime(date '0001-01-01' + cast(k_best // 4 as integer), '%Y-%m-%d')
            when vkind = 'none' then ps_presence_evidence(label, ev)
            else ps_value_evidence(label, vkind, ev, target_unit)
        end as evidence
    from shown_row
)

select * from event_text
