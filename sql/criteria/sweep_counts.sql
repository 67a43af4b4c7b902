-- one sweep value's status counts over the persons of person_site, as a run counts them:
-- everyone's status under the value (sql/criteria/everyone_status.sql over the value's
-- statuses from criteria/swept.py, rendered below). Only these four numbers leave DuckDB,
-- not a row per person.
with value_status as (
{{everyone}}
)

select
    count(*) as screened,
    count(case when status = 'likely_eligible' then 1 end) as likely_eligible,
    count(case when status = 'needs_review' then 1 end) as needs_review,
    count(case when status = 'ineligible' then 1 end) as ineligible
from value_status
