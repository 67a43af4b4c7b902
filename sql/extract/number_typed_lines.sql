-- file lines of a CSV file's typed rows when the reader rejected some records, or when
-- not every record starts on line position + 1 (extract/csvlines.py): the k-th stored row
-- (file order) is the k-th record that was not rejected ($rejected: their positions,
-- 1 = the first record after the header); it starts on line position + the offset of the
-- last break at or before its position (_csv_breaks(start_position, line_offset)). The
-- table is rewritten in line order (such files only: the clean case is an update).
create or replace table {{typed}} as
with total as (
    select count(*) as n from {{typed}}
),

kept as (
    select
        position,
        row_number() over (order by position) as _ord
    from (select unnest(range(1, (select n from total) + 1 + $n_rejected)) as position)
    where not list_contains($rejected, position)
),

placed as (
    select
        k._ord,
        k.position,
        k.position + b.line_offset as line
    from kept as k
    asof join _csv_breaks as b on k.position >= b.start_position
),

numbered as (
    select t.* exclude (_ord) replace (p.line as _line, p.position as _row_id)
    from (select rowid + 1 as _ord, * from {{typed}}) as t
    inner join placed as p using (_ord)
)

select * from numbered
order by _line
