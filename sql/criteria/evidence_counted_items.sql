-- count rules only: the counted events as (day, code) pairs (the day is negated to sort
-- most recent first), made distinct per instance afterwards (evidence_columns.sql): a
-- DISTINCT aggregate would hash every row of every instance, counting or not
list(struct_pack(n := -date_diff('day', date '0001-01-01', event_date), c := code))
    filter (where in_window and counting) as items
