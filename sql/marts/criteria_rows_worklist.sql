-- one row per reported criterion of each person the worklist lists (worklist_person), in
-- person and protocol order (rowid: the order the engine wrote them): the rows of
-- criteria.csv when it lists the worklist's persons only. Evidence is spreadsheet-safe.
with chosen as (
    select
        r.person_id,
        r.criterion_id,
        r.result,
        csv_text(r.evidence) as evidence,
        r.reason,
        r.rowid as written
    from criterion_result as r
    semi join worklist_person as w on r.person_id = w.person_id
)

select
    person_id,
    criterion_id,
    result,
    evidence,
    reason
from chosen
order by person_id, written
