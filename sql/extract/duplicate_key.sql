-- one row per staged row whose primary key occurs more than once in the file
-- every copy is quarantined: the loader cannot tell which copy is right
with repeated_keys as (
    select {key_columns}
    from {staged}
    where {key_not_null}
    group by all
    having count(*) > 1
),

duplicated as (
    select
        s._line,
        {key_text} as primary_key,
        '{key_label}' as column_name,
        'primary_key_unique' as check_name,
        'duplicate primary key' as reason
    from {staged} as s
    semi join repeated_keys as k using ({key_columns})
)

select * from duplicated
