-- Macros every screen statement uses (created per connection before the screen).

-- x <op> y for the comparison operators a criteria file may use, treating values within
-- t of the threshold as equal to it (t = 1e-9 x max(1, |y|), bound per rule): 2.85 / 0.95
-- is then exactly 3 x ULN although the division gives 3.0000000000000004
create or replace temp macro ps_compare(x, op, y, t) as
    case op
        when '<' then x < y - t
        when '<=' then x <= y + t
        when '>' then x > y + t
        when '>=' then x >= y - t
        when '=' then abs(x - y) <= t
        when '!=' then abs(x - y) > t
    end;

-- does a value (already in the predicate's terms) satisfy the rule's predicate?
create or replace temp macro ps_satisfies(x, vkind, op, v1, t1, v2, t2) as
    case
        when vkind = 'between' then x >= v1 - t1 and x <= v2 + t2
        else ps_compare(x, op, v1, t1)
    end;

-- one sortable number per event row: its date, then (for ties) the lowest row id first;
-- max() of it finds the latest row, and the row's date and id are read back from it
create or replace temp macro ps_rank_key(event_date, rid) as
    cast(date_diff('day', date '0001-01-01', event_date) as bigint) * 1099511627776
    + (1099511627775 - rid);

create or replace temp macro ps_key_date(k) as
    date '0001-01-01' + cast(k // 1099511627776 as integer);

create or replace temp macro ps_key_rid(k) as
    1099511627775 - k % 1099511627776;

-- a number as evidence shows it (%g: 6 significant digits, no trailing zeros)
create or replace temp macro ps_num(x) as printf('%g', x);

-- "<label> <value> <unit> [= <converted> <target unit>] (ULN x) (<side>) on <date> [<code>]"
create or replace temp macro ps_value_evidence(label, vkind, ev, target_unit) as
    label || ' '
    || coalesce(
        case vkind
            when 'qual' then coalesce(ev.value_text,
                case ev.qual when 1.0 then 'positive' when 0.0 then 'negative' end)
            when 'in' then ev.value_text
            else ps_num(ev.num)
        end, '(no value)')
    || case when ev.unit <> '' then ' ' || ev.unit else '' end
    || coalesce(' (unit_concept_id ' || ev.unit_concept || ')', '')
    || case
        when vkind in ('num', 'between') and ev.num is not null and ev.factor is not null
            and (ev.factor <> 1.0 or ev.addend <> 0.0)
        then ' = ' || ps_num(ev.num * ev.factor + ev.addend)
            || case when target_unit <> '' then ' ' || target_unit else '' end
        else ''
    end
    || case when vkind = 'uln' then ' (ULN ' || coalesce(ps_num(ev.range_high), '?') || ')' else '' end
    || coalesce(' (' || ev.side || ')', '')
    || ' on ' || strftime(ev.event_date, '%Y-%m-%d')
    || case when ev.code <> '' then ' [' || ev.code || ']' else '' end;

-- "<label> (<side>) on <date> [<code>]" for a presence rule's row
create or replace temp macro ps_presence_evidence(label, ev) as
    label || coalesce(' (' || ev.side || ')', '')
    || ' on ' || strftime(ev.event_date, '%Y-%m-%d')
    || case when ev.code <> '' then ' [' || ev.code || ']' else '' end;
