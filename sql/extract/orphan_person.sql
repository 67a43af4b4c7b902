-- one row per staged row whose person_id is not a (loaded) person of the extract
with orphans as (
    select
        s._line,
        {{key_text}} as primary_key,
        'person_id' as column_name,
        $check_name as check_name,
        $reason as reason
    from {{typed}} as s
    anti join person as p on s.person_id = p.person_id
    where s.person_id is not null
)

select * from orphans
