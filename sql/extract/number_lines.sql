-- one row per read record, with its file line: header is line 1, rejected lines skipped
-- (_ord: the record's position among the records read, 1 = first; the records were stored
-- in file order, so it is rowid + 1)
create or replace temp table {{raw}} as
with total as (
    select count(*) as n from {{raw}}
),

kept_lines as (
    select
        line,
        row_number() over (order by line) as _ord
    from (select unnest(range(2, (select n from total) + 2 + $n_rejected)) as line)
    where not list_contains($rejected, line)
),

numbered as (
    select
        k.line as _line,
        r.* exclude (_ord)
    from (select rowid + 1 as _ord, * from {{raw}}) as r
    inner join kept_lines as k using (_ord)
)

select * from numbered
