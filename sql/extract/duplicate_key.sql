-- one row per staged row whose primary key occurs more than once in the file
-- every copy is quarantined: the loader cannot tell which copy is right
with keyed as (
    select
        _line,
        {key_text} as primary_key,
        count(*) over (partition by {key_columns}) as copies
    from {staged}
    where {key_not_null}
),

duplicated as (
    select
        _line,
        primary_key,
        '{key_label}' as column_name,
        'primary_key_unique' as check_name,
        'duplicate primary key' as reason
    from keyed
    where copies > 1
)

select * from duplicated
