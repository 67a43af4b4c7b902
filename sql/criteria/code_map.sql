-- one row per distinct (code, concept_id) of one domain table ({{codes}}: its distinct
-- codes) and code set it belongs to: the side the code itself names and its groups as a
-- bit mask (a fixed-dose combination matches several groups and carries all their bits).
-- Runs once per screen on the table's distinct codes, not its rows: a few thousand LIKE
-- tests at most. Patterns and concept ids are the bound rows of ps_code_pattern and
-- ps_concept_member; $csks are the code sets the trial reads in this table (a match-all
-- set such as the death check's would otherwise put every row of every table in the
-- screen's hits, to be dropped only at the instance join).
with
distinct_code as (
    select code, concept_id from {{codes}}
),

pattern_hit as (
    select c.code, c.concept_id, p.csk, p.role, p.gbit
    from distinct_code as c
    inner join ps_code_pattern as p on c.code like p.pat escape '\'
    where list_contains($csks, p.csk)
    union all
    select c.code, c.concept_id, k.csk, k.role, k.gbit
    from distinct_code as c
    inner join ps_concept_member as k on c.concept_id = k.concept_id
    where list_contains($csks, k.csk)
),

code_member as (
    select
        code,
        concept_id,
        csk,
        case
            when bool_or(role = 'R') then 'R'
            when bool_or(role = 'L') then 'L'
            -- a |-separated segment R or L: ANKLE_SBP|R, STENOSIS|SFA|L|DSA
            when list_contains(string_split(code, '|'), 'R') then 'R'
            when list_contains(string_split(code, '|'), 'L') then 'L'
        end as side,
        coalesce(bit_or(cast(1 as bigint) << gbit) filter (where role = 'grp'), 0) as gmask
    from pattern_hit
    group by code, concept_id, csk
    having bool_or(role = 'inc') and not bool_or(role = 'exc')
)

select * from code_member
