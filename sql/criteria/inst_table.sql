-- one row per rule instance (an event rule at one limb scope, or one group of it): its
-- code set, window, value test (opcode and bounds, tolerance included), count and what no
-- event means; the bound rows of the plan (sql_compile.inst_rows)
create or replace temp table ps_inst as
select
    cast(inst as integer) as inst,
    cast(dom as integer) as dom,
    cast(csk as integer) as csk,
    cast(scope as varchar) as scope,
    cast(limb as boolean) as limb,
    -- read under a "some limb" group (an evidence_rule's limb group): both limbs' texts
    cast(some_limb as boolean) as some_limb,
    cast(gbit as integer) as gbit,
    cast(lo as date) as lo,
    cast(hi as date) as hi,
    cast(lo2 as date) as lo2,
    cast(use_end as boolean) as use_end,
    cast(vk as tinyint) as vk,
    cast(vkind as varchar) as vkind,
    cast(pk as tinyint) as pk,
    cast(latest as boolean) as latest,
    cast(opc as tinyint) as opc,
    cast(a as double) as a,
    cast(b as double) as b,
    cast(vals as varchar[]) as vals,
    cast(conv_id as integer) as conv_id,
    cast(has_count as boolean) as has_count,
    cast(count_opc as tinyint) as count_opc,
    cast(count_a as double) as count_a,
    cast(count_b as double) as count_b,
    cast(distinct_grp as boolean) as distinct_grp,
    cast(missing as boolean) as missing,
    cast(label as varchar) as label,
    cast(no_data_text as varchar) as no_data_text,
    cast(target_unit as varchar) as target_unit,
    cast(group_names as varchar[]) as group_names
from (select unnest($rows, recursive := true))
where inst >= 0
