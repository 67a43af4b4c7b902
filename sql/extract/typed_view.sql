-- one row per staged row, read when the view is (no copy): `_line` and every OMOP column,
-- typed and cleaned exactly as typed_rows.sql stores them, for the checks that compare
-- columns a load does not store (an exact copy is equal in every column)
create or replace temp view {{view}} as
with parsed_rows as (
    select {{parsed_columns}}
    from {{raw}}
)

select
    _line,
    {{columns}}
from parsed_rows
