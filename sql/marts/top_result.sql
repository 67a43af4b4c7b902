-- one row per person of person_site per top-level criterion: the result every count of
-- the reports starts from. A person without a row for a criterion counts as unknown (no
-- data to decide), in the status as in the funnel. Sub-rule rows (I2.abi) never count.
-- $ids: the trial's top-level criterion ids in protocol order; position is 1-based.
-- $position_of, $results: see `given`.
--
-- Every engine writes every row for every person, so the grid of persons × criteria
-- (with unknown where a row is missing) is built only for the persons whose rows are not
-- exactly one per criterion. Joining the whole grid to the rows was one hash table of
-- all of them: at 5,000,000 persons 130 M entries, spilled, 49 s instead of 19 s.
create or replace table top_result as
with top_level as (
    select
        unnest($ids) as criterion_id,
        generate_subscripts($ids, 1) as position
),

-- read on criterion_code's integers ($position_of: by ord, the top-level criterion's
-- position, NULL for a sub-rule's row; $results: the result labels by code): the
-- criterion_result view would join the labels of every row, sub-rules included. A list
-- lookup rather than a join: with a join to the few top-level positions, the planner
-- misjudged the rows it keeps and hashed them all (26 M at 1M persons) for the semi join
-- with person_site; and rather than list_contains / list_position over the ords, which
-- DuckDB plans as a mark join (0.4–0.5 s of about 4.8 s at 1M persons).
given as (
    select
        c.person_id,
        $position_of[c.ord] as position,
        $results[c.code + 1] as result
    from criterion_code as c
    semi join person_site as p on c.person_id = p.person_id
    where $position_of[c.ord] is not null
),

counted as (
    select
        person_id,
        count(*) as n_rows,
        bit_count(bitstring_agg(position, 1, len($ids))) as n_criteria
    from given
    group by person_id
),

-- persons of person_site with a criterion without a row, or with two rows for one (an
-- engine's bug): they get the grid
partial as (
    select p.person_id
    from person_site as p
    left join counted as c on p.person_id = c.person_id
    where c.person_id is null or c.n_rows <> len($ids) or c.n_criteria <> len($ids)
),

grid as (
    select
        cast(g.person_id as bigint) as person_id,
        cast(g.position as smallint) as position,
        g.result
    from given as g
    anti join partial as q on g.person_id = q.person_id
    union all
    select
        cast(q.person_id as bigint) as person_id,
        cast(t.position as smallint) as position,
        coalesce(g.result, 'unknown') as result
    from partial as q
    cross join top_level as t
    left join given as g on q.person_id = g.person_id and t.position = g.position
)

select * from grid
