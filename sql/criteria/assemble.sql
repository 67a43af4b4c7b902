-- one row per person and reported row (top-level criteria, then their reported sub-rules,
-- in protocol order: `ord`), built from the status pass (ps_status) and, where someone
-- reads it, the evidence pass (ps_evidence, already reduced to the texts kept). A person
-- without evidence unnests a NULL list, which DuckDB pads with NULLs. Results and reasons
-- stay integers (result_label names them; prescreen.result_store says why).
create or replace table criterion_code as
with
long_row as (
    select
        s.person_id,
        unnest(range(1, len(s.codes) + 1)) as ord,
        unnest(s.codes) as code,
        unnest(s.reasons) as reason_code,
        unnest(e.es) as evidence
    from ps_status as s
    left join ps_evidence as e on s.person_id = e.person_id
)

select
    person_id,
    cast(ord as smallint) as ord,
    cast(code as smallint) as code,
    cast(reason_code as smallint) as reason_code,
    evidence
from long_row
