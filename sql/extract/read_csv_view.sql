-- the CSV file's records as a view, read when the view is (once: while its rows are typed
-- into _typed_<table> in file order); no sniffing: comma, '"' quote and escape, every
-- column text, bad records to {{rejects}}. `_line` is filled in after that one read, from
-- the stored rows' positions and the rejected lines (number_typed_lines.sql): the CSV
-- reader gives no line numbers, and a row_number() over the scan would run on one thread.
-- The path is the variable {{path_variable}} (a view cannot take parameters).
create or replace temp view {{raw}} as
with records as (
    select *
    from read_csv(
        getvariable('{{path_variable}}'),
        auto_detect = false,
        header = true,
        delim = ',',
        quote = '"',
        escape = '"',
        columns = {{columns}},
        store_rejects = true,
        rejects_table = '{{rejects}}',
        rejects_scan = '{{rejects_scan}}',
        max_line_size = {{max_line}}
    )
)

select
    cast(null as bigint) as _line,
    {{selects}}
from records
