-- one row per person and reported row, in person then protocol order (`ord`): the pandas
-- engine's result frame (registered as ps_pandas_result) stored in the same table and
-- types the SQL engine's screen fills, so every output reads one result form
create or replace table criterion_result as
select
    cast(person_id as bigint) as person_id,
    cast(criterion_id as varchar) as criterion_id,
    cast(result as varchar) as result,
    cast(evidence as varchar) as evidence,
    cast(reason as varchar) as reason,
    cast(ord as integer) as ord
from ps_pandas_result
order by person_id, ord
