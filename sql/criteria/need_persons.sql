-- one row per person whose evidence someone will read ($policy):
-- all: everyone, every row; needed: the worklist (in its order, marts/worklist_order.sql,
-- at most $limit persons, 0 = no cap, $sheet_max per site: exactly who worklist.xlsx and
-- criteria.csv list), every row; and the ineligible, for their failing criteria.
-- $top: 1-based positions of top-level rows;
-- $top_csks: per top-level row, the code set keys it and its sub-rules read (an
-- ineligible person's evidence pass reads only those of its failing criteria: `csks`, and
-- limb-scoped rules only on `sel`, the limb the status pass read them on).
create or replace temp table ps_need as
with
status as (
    select
        person_id,
        codes,
        sel,
        ps_status_of_codes(codes, $top) as status
    from ps_status
),

candidates as (
    select person_id, status from status where status <> 'ineligible'
),

ordered as (
{{order}}
),

worklist as (
    select o.person_id, s.sel, o.place
    from ordered as o
    inner join status as s on o.person_id = s.person_id
),

needed as (
    select person_id, true as all_rows, cast(null as integer[]) as csks, sel
    from status where $policy = 'all'
    union all
    select person_id, true as all_rows, cast(null as integer[]) as csks, sel
    from worklist
    where $policy = 'needed' and ($limit = 0 or place <= $limit)
    union all
    select
        person_id,
        false as all_rows,
        cast(flatten(list_transform(
            list_filter(range(1, len($top) + 1), lambda j: codes[$top[j]] = 1),
            lambda j: $top_csks[j]
        )) as integer[]) as csks,
        sel
    from status
    where $policy = 'needed' and status = 'ineligible'
)

select * from needed
