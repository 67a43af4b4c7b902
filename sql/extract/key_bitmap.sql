-- one row: how many distinct keys of {{typed}} lie in [$low, $high] (one bit per possible key)
select bit_count(bitstring_agg({{key}}, $low, $high)) as distinct_keys
from {{typed}}
