-- one row per person the worklist lists: likely_eligible before needs_review, each by
-- person_id, at most $sheet_max per site (an Excel sheet's rows) and $limit in total
-- (0 = no total limit). Also who criteria.csv lists when it holds worklist persons only.
create or replace table worklist_person as
with candidates as (
    select
        person_id,
        site,
        site_id,
        status,
        case status when 'likely_eligible' then 0 else 1 end as status_rank
    from patient_status
    where status in ('likely_eligible', 'needs_review')
),

per_site as (
    select
        *,
        row_number() over (
            partition by site, site_id order by status_rank, person_id
        ) as n_in_site
    from candidates
),

fitting as (
    select
        *,
        row_number() over (order by status_rank, person_id) as n_in_total
    from per_site
    where n_in_site <= $sheet_max
),

listed as (
    select
        person_id,
        site,
        site_id,
        status
    from fitting
    where $limit = 0 or n_in_total <= $limit
)

select * from listed
