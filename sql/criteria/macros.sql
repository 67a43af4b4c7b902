-- Evidence formatting, shared by every event rule. Values are shown as recorded.

-- "<label> <value> <unit> (ULN x) (<side>) on <date> [<code>]" for a value rule's row
create or replace temp macro ps_value_evidence(label, vkind, ev) as
    label || ' '
    || coalesce(
        case vkind
            when 'qual' then coalesce(ev.value_text,
                case
                    when ev.value_concept in (9191, 45884084) then 'positive'
                    when ev.value_concept in (9189, 45878583) then 'negative'
                end)
            when 'in' then ev.value_text
            else printf('%g', ev.num)
        end, '(no value)')
    || coalesce(' ' || nullif(ev.unit, ''), '')
    || case when vkind = 'uln' then ' (ULN ' || coalesce(printf('%g', ev.range_high), '?') || ')' else '' end
    || coalesce(' (' || ev.side || ')', '')
    || ' on ' || strftime(ev.event_date, '%Y-%m-%d')
    || ' [' || ev.code || ']';

-- "<label> (<side>) on <date> [<code>]" for a presence rule's row
create or replace temp macro ps_presence_evidence(label, ev) as
    label || coalesce(' (' || ev.side || ')', '')
    || ' on ' || strftime(ev.event_date, '%Y-%m-%d')
    || ' [' || ev.code || ']';

-- x <op> y for the comparison operators a criteria file may use
create or replace temp macro ps_compare(x, op, y) as
    case op
        when '<' then x < y
        when '<=' then x <= y
        when '>' then x > y
        when '>=' then x >= y
        when '=' then x = y
        when '!=' then x <> y
    end;

-- one sortable number per event row: its date, then (for ties) the lowest record id first;
-- max() of it finds the latest row, and the row's date and id are read back from it
create or replace temp macro ps_rank_key(event_date, rid) as
    cast(date_diff('day', date '0001-01-01', event_date) as hugeint) * 18446744073709551616
    + (9223372036854775807::hugeint - rid);

create or replace temp macro ps_key_date(k) as
    date '0001-01-01' + cast(k // 18446744073709551616 as integer);

create or replace temp macro ps_key_rid(k) as
    cast(9223372036854775807::hugeint - k % 18446744073709551616 as bigint);
