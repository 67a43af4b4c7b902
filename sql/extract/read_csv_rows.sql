-- one row per CSV record DuckDB can split into the header's columns, in file order (_ord);
-- no sniffing: comma, '"' quote and escape, every column text, bad records to {{rejects}}
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

select
    row_number() over () as _ord{{selects}}
from records
