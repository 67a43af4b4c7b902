-- one row per result value outside pass/fail/unknown/manual (a bug in an engine): the
-- value and how many rows carry it. Empty when the results keep the contract.
with unexpected as (
    select
        result,
        count(*) as n_rows
    from criterion_result
    where result is null or result not in ('pass', 'fail', 'unknown', 'manual')
    group by result
)

select * from unexpected
