-- one row per person and reported row: criterion_code with its labels (result_label), the
-- form every reader queries. A join keeps no order: order by person_id, ord where it
-- matters, or read criterion_code with the labels bound (marts/result_rows.sql).
create or replace view criterion_result as
select
    c.person_id,
    l.label as criterion_id,
    r.label as result,
    c.evidence,
    e.label as reason,
    cast(c.ord as integer) as ord
from criterion_code as c
left join result_label as l on l.kind = 'criterion' and c.ord = l.code
left join result_label as r on r.kind = 'result' and c.code = r.code
left join result_label as e on e.kind = 'reason' and c.reason_code = e.code
