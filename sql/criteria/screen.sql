-- one row per person of the batch: every reported criterion's result, reason and (in the
-- evidence pass) evidence as columns, and the patient's target limb.
-- Every value from the criteria file is a bound parameter or a row of the bound tables
-- ps_inst / ps_code_pattern / ps_unit_conv; the slots below are filled by the compiler
-- with engine-generated column lists only (see `prescreen compile` for the legend).
with
hits as (
{{hits}}
),

event as (
{{event_result}}
),

event_planes as (
{{event_planes}}
),

person_base as (
    select
        p.person_id,
        p.gender_concept_id,
        year($index_date) - year(p.birth_date)
        - case when strftime($index_date, '%m%d') < strftime(p.birth_date, '%m%d') then 1 else 0 end
            as age
    from stg_person as p
    where p.person_id between $person_lo and $person_hi{{person_filter}}
),

-- the rule tree, one layer per depth so each node is computed once from its children
{{node_layers}}

{{outputs}}
