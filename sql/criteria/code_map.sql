-- one row per distinct (code, concept_id) of one domain and code set it belongs to,
-- with the side the code itself names and its group (for count_distinct: group).
-- Runs on the domain's distinct codes, not its rows: a few thousand LIKE tests at most.
with
pattern_hit as (
    select c.code, c.concept_id, p.codeset, p.csk, p.role, p.ord, p.grp, p.gidx
    from {{codes}} as c
    inner join code_pattern as p on c.code like p.pat escape '\'
    union all
    select c.code, c.concept_id, k.codeset, k.csk, 'inc' as role, 0 as ord, null as grp, null as gidx
    from {{codes}} as c
    inner join concept_member as k on c.concept_id = k.concept_id
),

code_member as (
    select
        code,
        concept_id,
        codeset,
        any_value(csk) as csk,
        case
            when bool_or(role = 'R') then 'R'
            when bool_or(role = 'L') then 'L'
            -- a |-separated segment R or L: ANKLE_SBP|R, STENOSIS|SFA|L|DSA
            when list_contains(string_split(code, '|'), 'R') then 'R'
            when list_contains(string_split(code, '|'), 'L') then 'L'
        end as coded_side,
        arg_min(grp, ord) filter (where role = 'grp') as grp,
        arg_min(gidx, ord) filter (where role = 'grp') as gidx
    from pattern_hit
    group by code, concept_id, codeset
    having bool_or(role = 'inc') and not bool_or(role = 'exc')
)

select * from code_member
