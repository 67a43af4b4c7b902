-- Macros every screen statement uses (created per connection before the screen).

-- a value test as one interval check (model.test_bounds folds the tolerance into a and b:
-- values within 1e-9 x max(1, |threshold|) of it count as equal, so 2.85 / 0.95 is exactly
-- 3 x ULN although the division gives 3.0000000000000004).
-- opc 0: x < a, 1: x <= a, 2: x > a, 3: x >= a, 4: a <= x <= b, 5: x < a or x > b
create or replace temp macro ps_satisfies(x, opc, a, b) as
    case opc
        when 0 then x < a
        when 1 then x <= a
        when 2 then x > a
        when 3 then x >= a
        when 4 then x >= a and x <= b
        when 5 then x < a or x > b
    end;

-- a person's age in whole years at the index date (the rule tree's age; an age sweep
-- finds the persons whose age test a value changes with the same expression)
create or replace temp macro ps_age(birth_date, index_date) as
    year(index_date) - year(birth_date)
    - case when strftime(index_date, '%m%d') < strftime(birth_date, '%m%d') then 1 else 0 end;

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

-- an event row's side as a number: 0 none, 1 right, 2 left, 3 both
create or replace temp macro ps_side_code(side) as
    case side when 'R' then 1 when 'L' then 2 when 'B' then 3 else 0 end;

-- one integer join key for (domain, code set, side code): events meet the rule instances of
-- their code set and side on equal keys (ps_inst_side)
create or replace temp macro ps_join_key(dom, csk, side_code) as
    (cast(dom as bigint) * 65536 + csk) * 4 + side_code;

-- a person's status from the result codes of its output rows (1 fail, 2 unknown) over the
-- top-level positions `top`, by the one status rule (sql/marts/macros.sql)
create or replace temp macro ps_status_of_codes(codes, top) as
    patient_status_of(
        len(list_filter(list_select(codes, top), lambda c: c = 1)),
        len(list_filter(list_select(codes, top), lambda c: c = 2))
    );
