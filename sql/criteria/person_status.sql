-- one row per person: the status from the status pass's result codes (ps_status.codes,
-- one per output row; 1 fail, 2 unknown) over the top-level rows only ($top: their
-- 1-based positions), by the one status rule (sql/marts/macros.sql, patient_status_of);
-- unordered
select
    person_id,
    ps_status_of_codes(codes, $top) as status
from ps_status
