-- the table rewritten in person order, each person's rows in their file order (_row_id):
-- a screen batch then reads only the blocks of its own persons
create or replace table {{table}} as
select *
from {{table}}
order by {{person_key}}, _row_id
