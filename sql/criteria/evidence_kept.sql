-- one row per person of ps_need: the evidence texts kept, in output order (NULL where
-- nobody reads one: the tree's output columns keep a text only for a person who gets
-- every row, or for a row whose top-level criterion fails). Only these texts are stored,
-- so neither ps_evidence nor criterion_result writes texts nobody reads.
create or replace temp table ps_evidence as
select person_id, [{{texts}}] as es
from (
{{tree}}
)
