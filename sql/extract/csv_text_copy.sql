-- a staged CSV file's records copied as text, in file order (the caller keeps insertion
-- order), `_line` and `_row_id` numbered afterwards like the typed rows'; for the one
-- check that needs columns a load does not store (exact copies are equal in every column)
create or replace table {{copy}} as
select
    *,
    cast(null as bigint) as _row_id
from {{raw}}
