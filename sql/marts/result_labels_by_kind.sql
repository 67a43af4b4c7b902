-- one row per kind of label (criterion, result, reason): its labels in code order, so
-- that list[ord], list[code + 1] and list[reason_code] read them back
select
    kind,
    list(label order by code) as labels
from result_label
group by kind
