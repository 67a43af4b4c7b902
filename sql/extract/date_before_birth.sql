-- one row per staged row whose event date lies in a year before the person's year of birth
-- (year against year: a person born in 1960 with an event on 1960-01-01 is fine)
with before_birth as (
    select
        s._line,
        {{key_text}} as primary_key,
        $column_name as column_name,
        $check_name as check_name,
        $reason as reason
    from {{typed}} as s
    inner join person as p on s.person_id = p.person_id
    where year(s.{{date_column}}) < p.year_of_birth
)

select * from before_birth
