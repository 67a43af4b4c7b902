,
-- evidence pass only: rank keys of the rows evidence may show (latest first, then the
-- lowest row id), the last date before the window, the extreme row, the counted items
max(case when in_window then ps_rank_key(event_date, rid) end) as rk_in,
max(case when in_window and cat = 1 then ps_rank_key(event_date, rid) end) as rk_sat,
max(case when in_window and cat = 2 then ps_rank_key(event_date, rid) end) as rk_bad,
max(case when unsided and upto and fromok then ps_rank_key(event_date, rid) end) as rk_uns,
max(case when before_window then event_date end) as last_before,
-- min/max: the smallest (largest) value; ties go to the latest, lowest-row-id row
arg_min(
    ps_rank_key(event_date, rid),
    case when in_window and cat <> 2 then
        struct_pack(x := case when pk = 3 then -conv else conv end, k := -ps_rank_key(event_date, rid))
    end
) as rk_ext,
-- counted events: (day, code) pairs, most recent first (the day is negated to sort)
list(distinct struct_pack(n := -date_diff('day', date '0001-01-01', event_date), c := code))
    filter (where in_window) as items
