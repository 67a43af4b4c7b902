-- one row per person of the batch: the status over the top-level criteria ($top_ids),
-- straight from the screen run for statuses only. Sweeps and forecasts screen many times
-- over and need nothing per criterion, so no result row leaves DuckDB.
-- Same rule as prescreen.status.patient_status: any fail → ineligible, else any unknown →
-- needs_review, else likely_eligible (manual never changes the status).
with screened as (
{{screen}}
)

select
    person_id,
    case
        when bool_or(result = 'fail') then 'ineligible'
        when bool_or(result = 'unknown') then 'needs_review'
        else 'likely_eligible'
    end as status
from screened
where list_contains($top_ids, criterion_id)
group by person_id
