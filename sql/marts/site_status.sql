-- one row per site, in site order (display name; names are unique, see person_site.sql):
-- screened and each status. Sites are told apart by care_site_id (site_id; null only for
-- 'unknown site'), never merged by name.
with per_site as (
    select
        site,
        site_id,
        count(*) as screened,
        count(*) filter (where status = 'likely_eligible') as likely_eligible,
        count(*) filter (where status = 'needs_review') as needs_review,
        count(*) filter (where status = 'ineligible') as ineligible
    from patient_status
    group by site, site_id
)

select * from per_site
order by site, site_id
