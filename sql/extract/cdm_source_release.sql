-- one row: the release dates and registry abbreviation of the latest cdm_source row
-- (a cdm_source normally has one row; of several, the latest release is the extract's)
with released as (
    select
        source_release_date,
        cdm_release_date,
        cdm_source_abbreviation
    from cdm_source
    order by coalesce(source_release_date, cdm_release_date) desc nulls last, _row_id
    limit 1
)

select * from released
