-- one row per patient whose status or reasons differ from the previous run, by person_id
-- (changes.csv). current_status: person_id, site, status, reasons of this run;
-- previous_status: person_id, status, reasons of the previous one (empty: a first run,
-- so everyone is new). Patients who left the extract are not listed. The site name is
-- spreadsheet-safe text (csv_text).
with joined as (
    select
        cast(c.person_id as bigint) as person_id,
        csv_text(c.site) as site,
        coalesce(p.status, '') as previous_status,
        c.status,
        coalesce(p.reasons, '') as previous_reasons,
        coalesce(c.reasons, '') as reasons
    from current_status as c
    left join previous_status as p on c.person_id = p.person_id
),

changed as (
    select
        person_id,
        site,
        previous_status,
        status,
        case
            when status = previous_status then 'reasons_changed'
            when status = 'likely_eligible' then 'newly_likely_eligible'
            when status = 'ineligible' then 'newly_ineligible'
            when status = 'needs_review' then 'newly_needs_review'
            else ''
        end as change,
        previous_reasons,
        reasons
    from joined
    where status <> previous_status or reasons <> previous_reasons
)

select * from changed
order by person_id
