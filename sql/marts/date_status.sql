-- one row per person and index date of `prescreen newly-eligible`: the person's status
-- at that date (statuses-only screens, one per date; newly_eligible.sql counts over it)
create or replace temp table date_status (
    index_date date,
    person_id bigint,
    status varchar
)
