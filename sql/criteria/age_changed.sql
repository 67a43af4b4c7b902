-- an age sweep (criteria/swept.py): add to {{changed}} the persons whose result of one age
-- test of the rule tree differs between the kept pass's limits ($old_*) and the swept
-- value's ($new_*), as the tree's age node decides it (no age: unknown under both). Only
-- they can change status through that test; everyone else keeps the kept status.
insert into {{changed}}
select p.person_id
from stg_person as p
where
    ps_satisfies(ps_age(p.birth_date, $index_date), $old_opc, $old_a, $old_b)
    is distinct from ps_satisfies(ps_age(p.birth_date, $index_date), $new_opc, $new_a, $new_b)
    and not exists (select 1 from {{changed}} as c where c.person_id = p.person_id)
