-- one row: how far a table's rows lie from person order. Each block of $block_rows rows in
-- file order (DuckDB's row group once stored, the unit its scans skip by min/max) covers a
-- range of person ids; spread is the sum of those ranges over the whole range. About 1
-- when rows come person by person, up to the number of blocks when every block holds
-- every person. A screen batch (a range of persons) reads every block whose range meets
-- its own, so an unordered table is read about `spread` times per pass instead of once.
-- {{position}}: the row's position in the file; {{person}}: its person id, typed.
with blocks as (
    select
        {{position}} // $block_rows as block,
        min({{person}}) as lo,
        max({{person}}) as hi
    from {{table}}
    group by block
)

select
    coalesce(sum(hi - lo + 1) / (max(hi) - min(lo) + 1), 0) as spread,
    count(*) as blocks
from blocks
