-- The worklist's order, written once for who worklist.xlsx lists (marts/worklist_person.sql)
-- and who gets every row's evidence (criteria/need_persons.sql): one row per row of the
-- including statement's CTE `candidates` (person_id, status: the likely_eligible and
-- needs_review persons) with its place. likely_eligible come before needs_review; within
-- a status the sites take turns (each site's first patient by person_id, then each site's
-- second, ..., a turn's patients by person_id), so a cap leaves every site its share of
-- the list however the registry numbers its persons (an export that numbers site by site
-- would otherwise fill a capped list from the first sites). At most $sheet_max per site
-- (an Excel sheet's rows).
-- {{sites}}: person_site (person_id, site, site_id), or no rows where a database has none
-- (a screen of bare tables: every candidate then counts as one site).
with
candidate as (
    select
        c.person_id,
        c.status,
        coalesce(s.site, 'unknown site') as site,
        s.site_id,
        case c.status when 'likely_eligible' then 0 else 1 end as status_rank
    from candidates as c
    left join {{sites}} as s on c.person_id = s.person_id
),

turn as (
    select
        *,
        row_number() over (
            partition by site, site_id order by status_rank, person_id
        ) as n_in_site,
        row_number() over (
            partition by site, site_id, status_rank order by person_id
        ) as turn
    from candidate
)

select
    person_id,
    site,
    site_id,
    status,
    row_number() over (order by status_rank, turn, person_id) as place
from turn
where n_in_site <= $sheet_max
