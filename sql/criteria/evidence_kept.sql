-- one row per person of ps_need: the evidence texts kept, in output order (NULL where
-- nobody reads one). A person who gets every row keeps them all; an ineligible person
-- outside the worklist keeps the failing criteria's texts and their sub-rules' ($top_of[k]:
-- the 1-based position of row k's top-level criterion). Masked here, before the texts are
-- stored, so neither ps_evidence nor criterion_result writes texts nobody reads.
create or replace temp table ps_evidence as
select
    t.person_id,
    case
        when n.all_rows then t.es
        else list_transform(
            range(1, len(t.es) + 1),
            lambda k: case when s.codes[$top_of[k]] = 1 then t.es[k] end
        )
    end as es
from (
    select person_id, [{{texts}}] as es
    from (
{{tree}}
    )
) as t
inner join ps_need as n on t.person_id = n.person_id
inner join ps_status as s on t.person_id = s.person_id
