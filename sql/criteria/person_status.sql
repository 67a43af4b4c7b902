-- one row per person: the status from the status pass's result codes (ps_status.codes,
-- one per output row; 1 fail, 2 unknown), over the top-level rows only ($top: their
-- 1-based positions). Any fail: ineligible, else any unknown: needs_review, else
-- likely_eligible; manual never changes it. The rule of sql/marts/macros.sql, on codes.
select
    person_id,
    case
        when list_contains(list_select(codes, $top), 1) then 'ineligible'
        when list_contains(list_select(codes, $top), 2) then 'needs_review'
        else 'likely_eligible'
    end as status
from ps_status
order by person_id
