-- one row per person: every reported criterion's result code, reason and (in the evidence
-- pass) evidence, and the patient's target limb, from the packed per-instance results of
-- ps_states. The slots are engine-generated column lists, one layer per tree depth.
with
person_base as (
    select
        p.person_id,
        p.gender_concept_id,
        ps_age(p.birth_date, $index_date) as age{{need_columns}}
    from stg_person as p{{person_filter}}
),

{{node_layers}}

{{outputs}}
