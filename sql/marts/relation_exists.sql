-- one row: whether the main schema holds a table or view named $name
select
    (
        select count(*) from duckdb_tables()
        where schema_name = 'main' and table_name = $name
    ) + (
        select count(*) from duckdb_views()
        where schema_name = 'main' and view_name = $name
    ) > 0 as found
