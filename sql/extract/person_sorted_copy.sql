-- a typed table rewritten in person order, then line (rows of one person stay in file
-- order), for a file whose rows lie spread across blocks (extract/person_order.py)
create or replace table {{typed}} as
select *
from {{typed}}
order by "{{person}}", _line
