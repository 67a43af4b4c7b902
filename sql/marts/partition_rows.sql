-- one row per result row of a partition's screen, in person and protocol order: what a
-- partition task returns (prescreen.partition), ord kept so partitions merge in that order
select
    person_id,
    criterion_id,
    result,
    evidence,
    reason,
    ord
from criterion_result
order by person_id, ord
