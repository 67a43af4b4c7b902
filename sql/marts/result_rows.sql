-- one row per person and reported row, in the table's order (person, then protocol): the
-- rows of criteria.parquet. A plain projection of criterion_code with the labels bound as
-- lists ($ids by ord, $results by code, $reasons by reason_code): DuckDB keeps the
-- table's order, which a join with result_label would not. Each list is cast to its ENUM
-- type (label_type.sql) and indexed, so no row builds a string: the file's columns are
-- the same strings, written from the enums' dictionaries.
select
    person_id,
    cast($ids as ps_criterion_label[])[ord] as criterion_id,
    cast($results as ps_result_label[])[code + 1] as result,
    evidence,
    cast($reasons as ps_reason_label[])[reason_code] as reason
from criterion_code
