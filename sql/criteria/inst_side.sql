-- one row per rule instance and side of event row it sees (side code 1 R, 2 L, 3 both,
-- 0 none), with the integer join key of hits: an instance of all sides sees every row; a
-- right-limb instance sees right and both rows, and rows without a side only to learn
-- that a finding without a side exists (unsided)
create or replace temp table ps_inst_side as
with side_code as (
    select unnest([0, 1, 2, 3]) as side_code
)

select i.*, ps_join_key(i.dom, i.csk, s.side_code) as jk
from ps_inst as i
cross join side_code as s
where
    i.scope = '*'
    or s.side_code in (0, 3)
    or (i.scope = 'R' and s.side_code = 1)
    or (i.scope = 'L' and s.side_code = 2)
