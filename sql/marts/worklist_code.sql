-- one row of criterion_code per reported criterion of each person the worklist lists
-- (worklist_person), in person and protocol order: what criteria.csv lists when it does
-- not list every person (read by criteria_rows.sql). Sorted here: a join keeps no order.
create or replace temp table worklist_code as
select c.*
from criterion_code as c
semi join worklist_person as w on c.person_id = w.person_id
order by c.person_id, c.ord
