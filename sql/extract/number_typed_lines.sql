-- file lines of a CSV file's typed rows when the reader rejected some: the k-th stored row
-- (file order) is on the k-th line that is neither the header nor a rejected line; the
-- table is rewritten in line order (a rejected file only: the clean case is an update)
create or replace table {{typed}} as
with total as (
    select count(*) as n from {{typed}}
),

kept_lines as (
    select
        line,
        row_number() over (order by line) as _ord
    from (select unnest(range(2, (select n from total) + 2 + $n_rejected)) as line)
    where not list_contains($rejected, line)
),

numbered as (
    select t.* exclude (_ord) replace (k.line as _line, k.line - 1 as _row_id)
    from (select rowid + 1 as _ord, * from {{typed}}) as t
    inner join kept_lines as k using (_ord)
)

select * from numbered
order by _line
