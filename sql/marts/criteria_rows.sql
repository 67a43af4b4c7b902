-- one row per person and reported criterion (criterion_result, in its person and
-- protocol order) of every person ($everyone) or of the worklist's persons only: the
-- rows of criteria.csv. Evidence is spreadsheet-safe text (csv_text).
with chosen as (
    select
        r.person_id,
        r.criterion_id,
        r.result,
        csv_text(r.evidence) as evidence,
        r.reason
    from criterion_result as r
    where $everyone or r.person_id in (select w.person_id from worklist_person as w)
)

select * from chosen
