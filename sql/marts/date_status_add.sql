-- every person of person_site at index date $index_date with their status
-- (sql/criteria/everyone_status.sql, rendered below)
insert into date_status
select
    cast($index_date as date) as index_date,
    person_id,
    status
from (
{{everyone}}
)
