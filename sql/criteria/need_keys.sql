-- one row per (person, code set) whose event rows the evidence pass reads: every code set
-- of the trial ($csks) for a person who gets every row, the failing criteria's code sets
-- (ps_need.csks) for an ineligible person outside the worklist. Equality keys make the
-- evidence statement's filter a plain semi-join (a correlated test with OR and
-- list_contains made DuckDB build a distinct (person, code set) set per batch, about half
-- of an ineligible batch's time); rows are in person order so a batch's range skips the
-- other persons' row groups.
create or replace temp table ps_need_key as
select person_id, csk
from (
    select
        person_id,
        cast(unnest(case when all_rows then $csks else csks end) as integer) as csk
    from ps_need
)
order by person_id, csk
