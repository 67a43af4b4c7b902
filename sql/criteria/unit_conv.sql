-- one row per (conversion table, recorded unit): value in the predicate's unit =
-- recorded value x factor + offset (prescreen.criteria.units and the rule's `convert:`)
create or replace temp table ps_unit_conv as
select
    cast(conv_id as integer) as conv_id,
    cast(unit as varchar) as unit,
    cast(factor as double) as factor,
    cast("offset" as double) as addend
from (select unnest($rows, recursive := true))
where conv_id >= 0
