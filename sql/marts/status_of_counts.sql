-- one row: the status of one person from its top-level fail and unknown counts, by the
-- one status rule (macros.sql), for `prescreen explain`
select patient_status_of($n_fail, $n_unknown) as status
