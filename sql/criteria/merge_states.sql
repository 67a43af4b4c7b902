-- a sweep value's per-person words (criteria/swept.py): the kept status pass's words with
-- the bits of the recomputed instances cleared ($m<w>: per word, 31 << 5·slot of each),
-- OR the recomputed instances' packed results (ps_states, nothing else set). A person
-- without a row on either side has no event of any code set read: all zero, as absent.
create or replace temp table ps_states_merged as
select
    coalesce(k.person_id, n.person_id) as person_id,
{{columns}}
from {{kept}} as k
full outer join ps_states as n on k.person_id = n.person_id
