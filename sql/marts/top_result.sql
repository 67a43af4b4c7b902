-- one row per person of person_site per top-level criterion: the result every count of
-- the reports starts from. A person without a row for a criterion counts as unknown (no
-- data to decide), in the status as in the funnel. Sub-rule rows (I2.abi) never count.
-- $ids: the trial's top-level criterion ids in protocol order; position is 1-based.
create or replace table top_result as
with top_level as (
    select
        unnest($ids) as criterion_id,
        generate_subscripts($ids, 1) as position
),

given as (
    select
        r.person_id,
        t.position,
        r.result
    from criterion_result as r
    inner join top_level as t on r.criterion_id = t.criterion_id
),

grid as (
    select
        cast(p.person_id as bigint) as person_id,
        cast(t.position as smallint) as position,
        coalesce(g.result, 'unknown') as result
    from person_site as p
    cross join top_level as t
    left join given as g on p.person_id = g.person_id and t.position = g.position
)

select * from grid
