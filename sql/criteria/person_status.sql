-- one row per person: the status over the top-level criteria (any fail: ineligible, else
-- any unknown: needs_review, else likely_eligible; manual never changes it)
with top_level as (
    select
        person_id,
        bool_or(result = 'fail') as any_fail,
        bool_or(result = 'unknown') as any_unknown
    from {{table}}
    where criterion_id not like '%.%'
    group by person_id
)

select
    person_id,
    case
        when any_fail then 'ineligible'
        when any_unknown then 'needs_review'
        else 'likely_eligible'
    end as status
from top_level
order by person_id
