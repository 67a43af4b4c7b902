-- one row per person and reported row, in the table's order (person, then protocol): the
-- rows of criteria.parquet. A plain projection of criterion_code with the labels bound as
-- lists ($ids by ord, $results by code, $reasons by reason_code): DuckDB keeps the
-- table's order, which a join with result_label would not.
select
    person_id,
    $ids[ord] as criterion_id,
    $results[code + 1] as result,
    evidence,
    $reasons[reason_code] as reason
from criterion_code
