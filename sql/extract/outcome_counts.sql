-- one row per table, check, column and reason of {{outcome}}: rows, each counted once per rule
with counted as (
    select
        table_name as "table",
        check_name as "check",
        column_name as "column",
        reason,
        count(distinct line) as "count"
    from {{outcome}}
    group by all
)

select * from counted
order by "table", "count" desc, "check", "column"
