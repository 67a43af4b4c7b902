-- one row at most: the run a scan is compared with, the latest other scan of the same trial
-- on the same registry whose index date is on or before this one's (a same-day rescan
-- compares with the scan before it: latest by as_of, then started_at)
with candidates as (
    select r.run_id, r.as_of, r.started_at
    from runs as r
    where r.trial_id = $trial_id
      and r.registry = $registry
      and r.run_id <> $this_run
      and r.as_of <= $as_of
)

select c.run_id
from candidates as c
order by c.as_of desc, c.started_at desc, c.run_id desc
limit 1
