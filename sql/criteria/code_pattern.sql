-- one row per code pattern of a code set: include (inc), exclude (exc), side (R/L) or
-- group (grp, with its bit); the patterns are the trial's globs as LIKE patterns (bound)
create or replace temp table ps_code_pattern as
select
    cast(csk as integer) as csk,
    cast(role as varchar) as role,
    cast(gbit as integer) as gbit,
    cast(pat as varchar) as pat
from (select unnest($patterns, recursive := true))
where csk >= 0
