-- newly-eligible: the status pass at several index dates in one statement per batch of
-- persons. Every (person, rule instance) group is built once (`event`, with each date's
-- aggregates side by side: k_best_0 … fl_12); each date then decides its instances from
-- its own columns (sql/criteria/event_decision.sql) and packs them into its words. One
-- row per person and date index `di`; the rule tree reads one date's rows at a time.
with
hits as (
{{hits}}
),

-- materialized: every date's decision reads it
event as materialized (
{{event}}
),

{{decisions}}

{{words}}
