-- every person of person_site, with the site and the status a statuses-only screen gave
-- (the query rendered below: person_id, status). A person without a status row has no
-- result row, so nothing failing or unknown: likely eligible, as patient_status.sql
-- counts. Unordered. What sweeps (sweep_counts.sql), newly-eligible (date_status_add.sql)
-- and pipeline.statuses_stage read.
select
    p.person_id,
    p.site,
    coalesce(s.status, 'likely_eligible') as status
from person_site as p
left join (
{{statuses}}
) as s on p.person_id = s.person_id
