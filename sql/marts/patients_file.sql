-- one row per person, by person_id: the rows of patients.csv (the output contract's
-- columns, target_limb last). The site name is spreadsheet-safe text (csv_text).
with patients as (
    select
        person_id,
        csv_text(site) as site,
        status,
        n_fail,
        n_unknown,
        n_manual,
        target_limb
    from patient_status
)

select * from patients
order by person_id
