-- one row per person: the status from the status pass's result codes (ps_status.codes,
-- one per output row; 1 fail, 2 unknown) over the top-level rows only ($top: their
-- 1-based positions), by the one status rule (sql/marts/macros.sql, patient_status_of)
select
    person_id,
    patient_status_of(
        len(list_filter(list_select(codes, $top), lambda c: c = 1)),
        len(list_filter(list_select(codes, $top), lambda c: c = 2))
    ) as status
from ps_status
order by person_id
