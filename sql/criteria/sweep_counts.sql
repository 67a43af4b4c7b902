-- one sweep value's status counts over the persons of person_site, as a run counts them
-- (status.status_counts of pipeline.statuses_stage's frame): a person without a status
-- has no result row, so nothing failing or unknown. `value_status`: person_id, status
-- under the value (criteria/swept.py). Only these four numbers leave DuckDB, not a row
-- per person.
with value_status as (
{{statuses}}
)

select
    count(*) as screened,
    count(case when coalesce(v.status, 'likely_eligible') = 'likely_eligible' then 1 end)
        as likely_eligible,
    count(case when v.status = 'needs_review' then 1 end) as needs_review,
    count(case when v.status = 'ineligible' then 1 end) as ineligible
from person_site as p
left join value_status as v on p.person_id = v.person_id
