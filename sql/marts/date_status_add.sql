-- every person of person_site at index date $index_date, with the status the screen
-- gave (the query rendered below: person_id, status); a person without any result row
-- has nothing failing or unknown, so is likely eligible (as patient_status.sql counts)
insert into date_status
select
    cast($index_date as date) as index_date,
    p.person_id,
    coalesce(s.status, 'likely_eligible') as status
from person_site as p
left join ({{statuses}}) as s on p.person_id = s.person_id
