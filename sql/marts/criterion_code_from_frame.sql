-- one row per row of the registered frame criterion_code_frame (results an engine produced
-- in pandas, already coded by prescreen.result_store), in person then protocol order
create or replace table criterion_code as
select
    cast(person_id as bigint) as person_id,
    cast(ord as smallint) as ord,
    cast(code as smallint) as code,
    cast(reason_code as smallint) as reason_code,
    cast(evidence as varchar) as evidence
from criterion_code_frame
order by person_id, ord
