-- one row per row of the registered frame criterion_frame: results an engine produced
-- in pandas (the pandas engine, partitions) become the table every report reads.
create or replace table criterion_result as
select
    cast(person_id as bigint) as person_id,
    cast(criterion_id as varchar) as criterion_id,
    cast(result as varchar) as result,
    cast(evidence as varchar) as evidence,
    cast(reason as varchar) as reason
from criterion_frame
