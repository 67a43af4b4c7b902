        -- latest rule: the day number with the category packed in, on rows up to hi
        case
            when latest and upto{{d}} and not unsided
                then cast(date_diff('day', date '0001-01-01', event_date) as bigint) * 4
        end as day4{{d}},
        case when in_window{{d}} then 1 else 0 end
        | case when in_window{{d}} and cat = 1 then 2 else 0 end
        | case when in_window{{d}} and cat = 2 then 4 else 0 end
        | case when before_window{{d}} then 8 else 0 end
        | case when unsided and upto{{d}} and fromok{{d}} then 16 else 0 end as flags{{d}}