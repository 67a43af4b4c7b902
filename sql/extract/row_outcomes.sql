-- one row per staged row per rule it meets, for the rule numbers listed in {{listed}}
-- (rows already quarantined and surplus exact copies are set aside)
with set_aside as (
    select line from quarantine
    where table_name = $table_name
    union all
    select line from finding
    where table_name = $table_name and check_name = $deduplicated
),

listed as (
    select
        t._line,
        {{key_text}} as primary_key,
        unnest(t.{{listed}}) as rule_no
    from {{typed}} as t
    anti join set_aside as a on t._line = a.line
    where t.{{listed}} is not null
),

described as (
    select
        l._line,
        l.primary_key,
        r.column_name,
        r.check_name,
        r.reason
    from listed as l
    inner join _row_rules as r using (rule_no)
)

select * from described
