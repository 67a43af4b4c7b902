-- one row per person and reported row (top-level criteria, then their reported sub-rules,
-- in protocol order: `ord`), built from the status pass (ps_status) and, where someone
-- reads it, the evidence pass (ps_evidence, already reduced to the texts kept). A person
-- without evidence unnests a NULL list, which DuckDB pads with NULLs. Results and reasons
-- stay integers (result_label names them; prescreen.result_store says why).
-- Stored in person and protocol order (criteria.parquet and criteria.csv list the table
-- as it is): the persons, one row each, are sorted after the join, which keeps no order,
-- and the unnest keeps theirs when the statement runs with insertion order preserved
-- (sql_engine.assemble_results).
create or replace table criterion_code as
with
person_row as (
    select
        s.person_id,
        s.codes,
        s.reasons,
        e.es
    from ps_status as s
    left join ps_evidence as e on s.person_id = e.person_id
    order by s.person_id
),

long_row as (
    select
        person_id,
        unnest(range(1, len(codes) + 1)) as ord,
        unnest(codes) as code,
        unnest(reasons) as reason_code,
        unnest(es) as evidence
    from person_row
)

select
    person_id,
    cast(ord as smallint) as ord,
    cast(code as smallint) as code,
    cast(reason_code as smallint) as reason_code,
    evidence
from long_row
