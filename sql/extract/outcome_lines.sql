-- one row: the rows of table $table_name in {{outcome}} (of check $check; '' = any check),
-- each counted once however many rules it met
with lines as (
    select distinct line from {{outcome}}
    where table_name = $table_name and ($check = '' or check_name = $check)
)

select count(*) as rows_listed from lines
