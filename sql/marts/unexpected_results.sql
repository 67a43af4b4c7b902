-- one row per result value outside pass/fail/unknown/manual (a bug in an engine): the
-- value and how many rows carry it. Empty when the results keep the contract. Counted on
-- criterion_code's integers; only the few odd codes are named.
with known as (
    select code
    from result_label
    where kind = 'result' and label in ('pass', 'fail', 'unknown', 'manual')
),

odd as (
    select
        c.code,
        count(*) as n_rows
    from criterion_code as c
    anti join known as k on c.code = k.code
    group by c.code
),

unexpected as (
    select
        l.label as result,
        o.n_rows
    from odd as o
    left join result_label as l on l.kind = 'result' and o.code = l.code
)

select * from unexpected
