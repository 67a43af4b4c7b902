-- one row per surplus copy: a row identical in every column to a row on an earlier line
-- (the earliest copy is kept); only rows whose key repeats can be copies, only rows not
-- quarantined count
with quarantined as (
    select line from quarantine
    where table_name = $table_name
),

survivors as (
    select s.*
    from {{typed}} as s
    anti join quarantined as q on s._line = q.line
),

repeated_keys as (
    select {{key_columns}}
    from survivors
    where {{key_not_null}}
    group by all
    having count(*) > 1
),

copies as (
    select
        s._line,
        {{key_text}} as primary_key,
        row_number() over (partition by {{all_columns}} order by s._line) as copy_number
    from survivors as s
    semi join repeated_keys as k using ({{key_columns}})
),

surplus as (
    select
        _line,
        primary_key,
        $column_name as column_name,
        $check_name as check_name,
        $reason as reason
    from copies
    where copy_number > 1
)

select * from surplus
