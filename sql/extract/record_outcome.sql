-- one {{outcome}} row per row the rule query returns, with the table and file it is about
insert into {{outcome}}
with rule_rows as (
    {{rule_query}}
)

select
    $table_name as table_name,
    $source_file as source_file,
    q._line as line,
    q.primary_key,
    q.column_name,
    q.check_name,
    q.reason
from rule_rows as q
