-- one row per reported criterion of each person the worklist lists (worklist_person), in
-- person and protocol order: the rows of criteria.csv when it lists the worklist's
-- persons only. Labels bound as lists (see result_rows.sql). Evidence is spreadsheet-safe.
with chosen as (
    select
        c.person_id,
        c.ord,
        $ids[c.ord] as criterion_id,
        $results[c.code + 1] as result,
        csv_text(c.evidence) as evidence,
        $reasons[c.reason_code] as reason
    from criterion_code as c
    semi join worklist_person as w on c.person_id = w.person_id
)

select
    person_id,
    criterion_id,
    result,
    evidence,
    reason
from chosen
order by person_id, ord
