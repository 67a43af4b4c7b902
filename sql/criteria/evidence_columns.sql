,
vkind,
-- the row whose evidence is shown (NULL: the text names no single row)
case
    when has_count then null
    when not has_in then case when has_unsided then rk_uns end
    when vk = 0 then rk_in
    when pk = 0 then coalesce(rk_sat, rk_bad, rk_in)
    when pk = 1 then
        case
            when best = 2 then rk_bad
            when best = 1 and worst = 0 then null
            when best = 1 then rk_sat
            else rk_in
        end
    when rk_bad is not null then rk_bad
    else rk_ext
end as shown,
k_best,
last_before,
list_distinct(items) as items,
cnt,
gm
