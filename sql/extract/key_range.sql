-- one row: the smallest and largest key of {{typed}} and how many rows have one
select
    min({{key}}) as low,
    max({{key}}) as high,
    count({{key}}) as keys
from {{typed}}
