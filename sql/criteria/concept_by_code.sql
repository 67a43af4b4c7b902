union all
-- the concepts a code set's patterns name in its vocabulary (concept_code LIKE pattern)
select p.csk, c.concept_id, p.role, p.gbit, p.descendants
from ps_code_pattern as p
inner join concept as c
    on c.vocabulary_id = p.vocabulary and c.concept_code like p.pat escape '\'
where p.vocabulary is not null and p.role in ('inc', 'grp')
