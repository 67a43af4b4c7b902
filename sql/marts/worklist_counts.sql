-- one row: how many persons the worklist lists, and how many it could have listed
select
    (select count(*) from worklist_person) as shown,
    (
        select count(*) from patient_status
        where status in ('likely_eligible', 'needs_review')
    ) as candidates
