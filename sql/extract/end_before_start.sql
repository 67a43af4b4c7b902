-- one row per staged row whose end date is before its start date (same day is fine)
with reversed as (
    select
        _line,
        {{key_text}} as primary_key,
        $column_name as column_name,
        $check_name as check_name,
        $reason as reason
    from {{typed}}
    where {{end_column}} < {{start_column}}
)

select * from reversed
