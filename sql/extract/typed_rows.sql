-- one row per staged row: the typed, cleaned OMOP columns, the row id, and the numbers of
-- the finding rules and quarantine rules the row meets (NULL lists for a clean row);
-- {{order}} is empty (file order) or sorts rows out of person order by person, then line
create or replace table {{typed}} as
with parsed_rows as (
    select {{parsed_columns}}
    from {{raw}}
)

select
    _line,
    {{columns}},
    _line - 1 as _row_id,
    {{findings}} as _findings,
    {{failures}} as _failures
from parsed_rows
{{order}}
