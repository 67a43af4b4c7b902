,
-- evidence pass only: rank keys of the rows evidence may show (latest first, then the
-- lowest row id), the last date before the window, the extreme row, the counted items
max(case when in_window then ps_rank_key(event_date, rid) end) as rk_in,
max(case when in_window and cat = 1 then ps_rank_key(event_date, rid) end) as rk_sat,
max(case when in_window and cat = 2 then ps_rank_key(event_date, rid) end) as rk_bad,
max(case when unsided and upto and fromok then ps_rank_key(event_date, rid) end) as rk_uns,
max(case when before_window then event_date end) as last_before,
{{extreme_row}},
{{counted_items}}