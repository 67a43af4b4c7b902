-- one row per CSV record DuckDB can split into the header's columns, stored in file order
-- (the caller keeps insertion order, so a row's rowid is its position among the records);
-- no sniffing: comma, '"' quote and escape, every column text, bad records to {{rejects}}.
-- No row_number() here: a window over the scan runs on one thread (a 23 M-row file:
-- 44 s with it, 19 s without); the line numbers come after, from rowid.
create or replace temp table {{raw}} as
with records as (
    select *
    from read_csv(
        $path,
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

select {{selects}}
from records
