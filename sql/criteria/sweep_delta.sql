-- a sweep value's changed persons (criteria/swept.py) and their per-person words: those
-- whose kept words ({{kept}}) differ, in the bits of the recomputed instances ($m<w>: per
-- word, 31 << 5·slot of each), from those instances' new packed results (ps_states,
-- nothing else set). Their words are the kept ones with those bits cleared, OR the new
-- results. Everyone else keeps the status of the kept words, so the value's rule tree
-- runs over these persons only. A person without a row on either side has no event of
-- any code set read: all zero, as absent.
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
