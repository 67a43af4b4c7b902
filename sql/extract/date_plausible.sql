-- one row per staged row whose event date is before the person's year of birth
-- or after the extract date ($extract_date, inclusive: the extract date itself is fine)
-- each rule filters before the key is made text: most rows break neither, and the
-- extract-date rule needs no join (min/max statistics often skip it entirely)
with before_birth as (
    select
        s._line,
        {key_text} as primary_key,
        '{date_column}' as column_name,
        'date_not_before_birth' as check_name,
        'date before year of birth' as reason
    from {staged} as s
    inner join person as p on s.person_id = p.person_id
    where year(s.{date_column}) < p.year_of_birth
),

after_extract as (
    select
        s._line,
        {key_text} as primary_key,
        '{date_column}' as column_name,
        'date_not_after_extract' as check_name,
        'date after extract date' as reason
    from {staged} as s
    where s.{date_column} > $extract_date
)

select * from before_birth
union all
select * from after_extract
