-- one row per row whose key another row shares with different content
-- (rows quarantined and surplus exact copies set aside first)
with set_aside as (
    select line from quarantine
    where table_name = $table_name
    union all
    select line from finding
    where table_name = $table_name and check_name = $deduplicated
),

survivors as (
    select s.*
    from {{typed}} as s
    anti join set_aside as a on s._line = a.line
),

repeated_keys as (
    select {{key_columns}}
    from survivors
    where {{key_not_null}}
    group by all
    having count(*) > 1
),

repeated as (
    select
        s._line,
        {{key_text}} as primary_key,
        $column_name as column_name,
        $check_name as check_name,
        $reason as reason
    from survivors as s
    semi join repeated_keys as k using ({{key_columns}})
)

select * from repeated
