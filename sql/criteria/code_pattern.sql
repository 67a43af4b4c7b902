-- one row per code pattern of a code set: include (inc), exclude (exc), side (R/L) or
-- group (grp, with its bit); the patterns are the trial's globs as LIKE patterns (bound).
-- `vocabulary`: the OMOP vocabulary the codes belong to (NULL: local or unknown codes).
create or replace temp table ps_code_pattern as
select
    cast(csk as integer) as csk,
    cast(role as varchar) as role,
    cast(gbit as integer) as gbit,
    cast(pat as varchar) as pat,
    cast(vocabulary as varchar) as vocabulary,
    cast(descendants as boolean) as descendants
from (select unnest($patterns, recursive := true))
where csk >= 0
