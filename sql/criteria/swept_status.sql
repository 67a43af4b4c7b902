-- one row per person: the status under a sweep value whose rule tree is the kept pass's
-- (criteria/swept.py): the kept status ({{kept_status}}), except for the persons whose
-- words the value changes ({{changed}}), whose status comes from the tree just run over
-- them (ps_status; $top: the 1-based positions of the top-level rows); unordered
select k.person_id, k.status
from {{kept_status}} as k
where not exists (select 1 from {{changed}} as c where c.person_id = k.person_id)
union all
select person_id, ps_status_of_codes(codes, $top) as status
from ps_status
