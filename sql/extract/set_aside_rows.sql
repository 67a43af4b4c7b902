-- the typed table keeps usable rows only: quarantined rows and surplus exact copies go
delete from {{typed}}
where _line in (
    select line from quarantine
    where table_name = $table_name
    union all
    select line from finding
    where table_name = $table_name and check_name = $deduplicated
)
