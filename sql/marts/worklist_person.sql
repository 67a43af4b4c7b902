-- one row per person the worklist lists, in the worklist's order (marts/worklist_order.sql:
-- likely_eligible before needs_review, the sites taking turns, at most $sheet_max per site),
-- at most $limit in total (0 = no total limit). Also who criteria.csv lists when it holds
-- worklist persons only.
create or replace table worklist_person as
with candidates as (
    select person_id, status
    from patient_status
    where status in ('likely_eligible', 'needs_review')
),

ordered as (
{{order}}
)

select
    person_id,
    site,
    site_id,
    status
from ordered
where $limit = 0 or place <= $limit
