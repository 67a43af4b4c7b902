-- min/max picks only: the smallest (largest) value; ties go to the latest, lowest-row-id row
arg_min(
    ps_rank_key(event_date, rid),
    case when in_window and cat <> 2 then
        struct_pack(x := case when pk = 3 then -conv else conv end, k := -ps_rank_key(event_date, rid))
    end
) as rk_ext
