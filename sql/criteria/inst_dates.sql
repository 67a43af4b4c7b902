-- one row per rule instance: its window bounds (hi, and lo2 as event_result.sql tests it)
-- at each index date of a newly-eligible count (sql_compile.compile_statuses_over)
create or replace temp table ps_inst_dates as
select
    cast(inst as integer) as inst,
{{columns}}
from (select unnest($rows, recursive := true))
where inst >= 0
