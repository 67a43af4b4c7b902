-- one row per person of the batch who has an event of a code set the trial reads: every
-- rule instance's result packed in a few integers (and, in the evidence pass, a map from
-- instance to evidence text). The rule tree (tree.sql) reads them once for every person.
-- Every value from the criteria file is a bound parameter or a row of the bound tables
-- ps_inst / ps_code_pattern / ps_unit_conv (see `prescreen compile` for the legend).
with
hits as (
{{hits}}
),

-- materialized: the packing below reads each (person, instance) state once per word
event as materialized (
{{event_result}}
),

person_state as (
{{person_state}}
)

select * from person_state
