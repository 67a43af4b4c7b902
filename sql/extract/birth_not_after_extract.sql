-- one row per staged person born in a year after the extract date's year (an impossible person)
with unborn as (
    select
        _line,
        cast(person_id as varchar) as primary_key,
        'year_of_birth' as column_name,
        $check_name as check_name,
        $reason as reason
    from _typed_person
    where year_of_birth > year($extract_date)
)

select * from unborn
