-- a quarantined row is not loaded: findings about it would describe nothing
delete from finding
where
    table_name = $table_name
    and line in (select line from quarantine where table_name = $table_name)
