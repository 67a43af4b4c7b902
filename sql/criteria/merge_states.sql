-- a sweep value's per-person words (criteria/swept.py): the kept status pass's words
-- ({{kept}}) with the bits of the recomputed instances cleared ($m<w>: per word,
-- 31 << 5·slot of each), OR those instances' new packed results (ps_states, nothing else
-- set). `differs` keeps every person (`true`: the value's own rule tree runs over
-- everyone) or only those whose words the new results change: when the value leaves the
-- rule tree as it is, everyone else keeps the kept status and the tree runs over these
-- persons alone. A person without a row on either side has no event of any code set
-- read: all zero, as absent.
create or replace temp table ps_states_merged as
select
    person_id,
{{merged}}
from (
    select
        coalesce(k.person_id, n.person_id) as person_id,
{{pairs}}
    from {{kept}} as k
    full outer join ps_states as n on k.person_id = n.person_id
)
where {{differs}}
