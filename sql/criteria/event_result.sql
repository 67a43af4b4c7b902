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
{{windows}}
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
        on i.conv_id = u.conv_id and h.unit = u.unit{{dates_join}}
),

judged as (
    select
        *,
{{judged}}
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
{{keyed}}
    from judged
),

inst_stat as (
    select
        person_id,
        inst,
{{stats}}{{evidence_aggregates}}
    from keyed
    group by person_id, inst
),

{{decision}}

select * from event_state
