-- one row per staged row whose event date is after $after_date and not after $last_date
-- (both bounds from the extract date: a few days late is a finding, later is unusable)
-- no join: most rows are earlier, and min/max statistics often skip the rule entirely
with late as (
    select
        s._line,
        {{key_text}} as primary_key,
        $column_name as column_name,
        $check_name as check_name,
        $reason as reason
    from {{typed}} as s
    where s.{{date_column}} > $after_date and s.{{date_column}} <= $last_date
)

select * from late
