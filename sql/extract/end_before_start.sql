-- one row per staged row whose end date is before its start date (same day is fine)
with reversed as (
    select
        _line,
        {key_text} as primary_key,
        '{end_column}' as column_name,
        'end_not_before_start' as check_name,
        'end date before start date' as reason
    from {staged}
    where {end_column} < {start_column}
)

select * from reversed
