-- one row per staged row whose event date is before the person's year of birth
-- or after the extract date ($extract_date, inclusive: the extract date itself is fine)
with dated as (
    select
        s._line,
        {key_text} as primary_key,
        s.{date_column} as event_date,
        p.year_of_birth
    from {staged} as s
    left join person as p on s.person_id = p.person_id
    where s.{date_column} is not null
),

before_birth as (
    select
        _line,
        primary_key,
        '{date_column}' as column_name,
        'date_not_before_birth' as check_name,
        'date before year of birth' as reason
    from dated
    where year(event_date) < year_of_birth
),

after_extract as (
    select
        _line,
        primary_key,
        '{date_column}' as column_name,
        'date_not_after_extract' as check_name,
        'date after extract date' as reason
    from dated
    where event_date > $extract_date
)

select * from before_birth
union all
select * from after_extract
