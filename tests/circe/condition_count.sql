-- Copied for the Circe parity test (tests/test_circe_parity.py): the DuckDB query faithful to
-- OHDSI circe-be's SQL for a one-concept-set condition cohort; see the source notes below.
-- circe_condition_count.sql
-- Number of persons OHDSI Circe (circe-be) puts in the simplest cohort
--   "condition occurrence of concept set X",
-- i.e. PrimaryCriteria = [ConditionOccurrence{CodesetId: X}], ObservationWindow 0/0,
-- PrimaryCriteriaLimit All (with First the count differs only if a person's earliest in-period
-- event has condition_end_date < condition_start_date), no AdditionalCriteria,
-- no InclusionRules, EndStrategy DateOffset(EndDate, 0), CollapseSettings ERA
-- (any EraPad), no CensoringCriteria, no CensorWindow
-- -- exactly the shape of PhenotypeLibrary's single-concept "[P][R]" cohorts,
-- e.g. OHDSI/PhenotypeLibrary inst/cohorts/519.json + inst/sql/sql_server/519.sql
-- ("[P][R] Heart failure", concept 316139 with descendants).
--
-- Parameters (DuckDB prepared-statement placeholders):
--   $1  BIGINT[]  concept ids of the set's INCLUDED items that have includeDescendants = true
--   $2  BIGINT[]  concept ids of the set's INCLUDED items WITHOUT descendants ([]::BIGINT[] if none)
--   $3  BIGINT[]  concept ids of EXCLUDED items with descendants     ([]::BIGINT[] if none)
--   $4  BIGINT[]  concept ids of EXCLUDED items without descendants  ([]::BIGINT[] if none)
-- For "concept X with descendants" call with $1 = [X], $2 = $3 = $4 = [].
-- (includeMapped items are not supported; Circe would add a concept_relationship
--  'Maps to' branch, circe-be vocabulary/sql/conceptSetMapped.sql.)
--
-- Circe source followed (OHDSI/circe-be @ 9a80aa71de732ffce566997de61492bb5f55a19d,
-- paths under src/main/resources/resources/ unless noted):
--  1. Codeset = ConceptSetExpressionQueryBuilder.buildExpressionQuery
--     (src/main/java/org/ohdsi/circe/vocabulary/ConceptSetExpressionQueryBuilder.java L97-149):
--       every included item           -> vocabulary/sql/conceptSetQuery.sql
--           "select concept_id from CONCEPT where concept_id in (...)"
--           (no invalid_reason / standard_concept filter, but the row must EXIST in CONCEPT)
--       items with includeDescendants -> vocabulary/sql/conceptSetDescendants.sql
--           "select c.concept_id from CONCEPT c join CONCEPT_ANCESTOR ca
--              on c.concept_id = ca.descendant_concept_id
--            WHERE c.invalid_reason is null and ca.ancestor_concept_id in (...)"
--       joined with UNION, wrapped by vocabulary/sql/conceptSetInclude.sql (select distinct),
--       excluded items built the same way and removed by vocabulary/sql/conceptSetExclude.sql
--       (LEFT JOIN ... WHERE E.concept_id is null).
--  2. Criteria rows = cohortdefinition/sql/conditionOccurrence.sql with the select list of
--     ConditionOccurrenceSqlBuilder.resolveSelectClauses (L111):
--       "co.condition_start_date as start_date,
--        COALESCE(co.condition_end_date, DATEADD(day,1,co.condition_start_date)) as end_date"
--     and the codeset join of BuilderUtils.getCodesetJoinExpression on
--       co.condition_concept_id   (the STANDARD column; condition_source_concept_id is used
--                                  only when the criterion sets ConditionSourceConcept).
--  3. Primary events = cohortdefinition/sql/primaryEventsQuery.sql L12-13 +
--     CohortExpressionQueryBuilder.getPrimaryEventsQuery (L203-206):
--       JOIN observation_period OP on E.person_id = OP.person_id
--         and E.start_date >= OP.observation_period_start_date
--         and E.start_date <= op.observation_period_end_date
--       WHERE DATEADD(day,0,OP.OBSERVATION_PERIOD_START_DATE) <= E.START_DATE
--         AND DATEADD(day,0,E.START_DATE) <= OP.OBSERVATION_PERIOD_END_DATE
--     (priorDays = postDays = 0 here).
--  4. Qualified / included events: generateCohort.sql L3-35. QualifiedLimit only filters when
--     AdditionalCriteria exist (CohortExpressionQueryBuilder L286-291); with no inclusion
--     rules and ExpressionLimit All nothing is removed. (A First limit would keep only the
--     earliest in-period event per person; step 6 could then drop that person if that one
--     event ends before it starts.)
--  5. End date: cohortdefinition/sql/dateOffsetStrategy.sql
--       "case when DATEADD(day,@offset,@dateField) > op_end_date then op_end_date
--             else DATEADD(day,@offset,@dateField) end as end_date"
--  6. cohort_rows: generateCohort.sql L40-53 keeps an event only if
--       "CE.end_date >= I.start_date"   -> an event whose condition_end_date is before its
--       condition_start_date is DROPPED.
--  7. Era collapse (generateCohort.sql L56-69) merges periods per person; it never removes a
--     person, so the person count is count(distinct person_id) of step 6.
-- The PERSON table is not read by Circe for this shape (it is joined only for age/gender
-- criteria, ConditionOccurrenceSqlBuilder.resolveJoinClauses L122-127), so neither is it here.

WITH include_concepts AS (
    SELECT c.concept_id                                   -- conceptSetQuery.sql
    FROM concept AS c
    WHERE list_contains(CAST($1 AS BIGINT[]), c.concept_id) OR list_contains(CAST($2 AS BIGINT[]), c.concept_id)
    UNION
    SELECT c.concept_id                                   -- conceptSetDescendants.sql
    FROM concept AS c
    JOIN concept_ancestor AS ca ON c.concept_id = ca.descendant_concept_id
    WHERE c.invalid_reason IS NULL
      AND list_contains(CAST($1 AS BIGINT[]), ca.ancestor_concept_id)
),
exclude_concepts AS (
    SELECT c.concept_id
    FROM concept AS c
    WHERE list_contains(CAST($3 AS BIGINT[]), c.concept_id) OR list_contains(CAST($4 AS BIGINT[]), c.concept_id)
    UNION
    SELECT c.concept_id
    FROM concept AS c
    JOIN concept_ancestor AS ca ON c.concept_id = ca.descendant_concept_id
    WHERE c.invalid_reason IS NULL
      AND list_contains(CAST($3 AS BIGINT[]), ca.ancestor_concept_id)
),
codeset AS (                                              -- conceptSetInclude/Exclude.sql
    SELECT DISTINCT i.concept_id
    FROM include_concepts AS i
    LEFT JOIN exclude_concepts AS e ON i.concept_id = e.concept_id
    WHERE e.concept_id IS NULL
),
criteria_rows AS (                                        -- conditionOccurrence.sql
    SELECT
        co.person_id,
        co.condition_start_date AS start_date,
        COALESCE(co.condition_end_date, co.condition_start_date + 1) AS end_date
    FROM condition_occurrence AS co
    JOIN codeset AS cs ON co.condition_concept_id = cs.concept_id
),
primary_events AS (                                       -- primaryEventsQuery.sql
    SELECT e.person_id, e.start_date, e.end_date, op.observation_period_end_date AS op_end_date
    FROM criteria_rows AS e
    JOIN observation_period AS op
      ON e.person_id = op.person_id
     AND e.start_date >= op.observation_period_start_date
     AND e.start_date <= op.observation_period_end_date
),
strategy_ends AS (                                        -- dateOffsetStrategy.sql (offset 0)
    SELECT
        person_id,
        start_date,
        CASE WHEN end_date > op_end_date THEN op_end_date ELSE end_date END AS end_date
    FROM primary_events
)
SELECT count(DISTINCT person_id) AS person_count          -- generateCohort.sql cohort_rows
FROM strategy_ends
WHERE end_date >= start_date;
