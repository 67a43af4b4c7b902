-- one row per rule instance (an event rule at one limb scope, or one group of it): its
-- code set, window, value test, count and what no event means; the bound rows of the plan
create or replace temp table ps_inst as
select
    cast(inst as integer) as inst,
    cast(dom as integer) as dom,
    cast(csk as integer) as csk,
    cast(scope as varchar) as scope,
    cast(gbit as integer) as gbit,
    cast(lo as date) as lo,
    cast(hi as date) as hi,
    cast(active as boolean) as active,
    cast(span_from as date) as span_from,
    cast(vkind as varchar) as vkind,
    cast(op as varchar) as op,
    cast(v1 as double) as v1,
    cast(t1 as double) as t1,
    cast(v2 as double) as v2,
    cast(t2 as double) as t2,
    cast(vals as varchar[]) as vals,
    cast(conv_id as integer) as conv_id,
    cast(pick as varchar) as pick,
    cast(has_count as boolean) as has_count,
    cast(cnt_op as varchar) as cnt_op,
    cast(cnt_n as double) as cnt_n,
    cast(cnt_t as double) as cnt_t,
    cast(distinct_grp as boolean) as distinct_grp,
    cast(missing as boolean) as missing,
    cast(label as varchar) as label,
    cast(no_data_text as varchar) as no_data_text,
    cast(target_unit as varchar) as target_unit,
    cast(group_names as varchar[]) as group_names
from (select unnest($rows, recursive := true))
where inst >= 0
