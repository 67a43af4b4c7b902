-- one row per row of the registered frame criterion_frame, in person then protocol order
-- (`ord`): results an engine produced in pandas (the pandas engine, partitions) stored in
-- the same table and types the SQL engine's screen fills, so every output reads one form
create or replace table criterion_result as
select
    cast(person_id as bigint) as person_id,
    cast(criterion_id as varchar) as criterion_id,
    cast(result as varchar) as result,
    cast(evidence as varchar) as evidence,
    cast(reason as varchar) as reason,
    cast(ord as integer) as ord
from criterion_frame
order by person_id, ord
