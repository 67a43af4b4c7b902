-- Macros every mart and output writer shares (temporary: created per connection).

-- The status rule, written once: ineligible if any top-level criterion fails, else
-- needs_review if any is unknown, else likely_eligible. Manual results never change it.
create or replace temp macro patient_status_of(n_fail, n_unknown) as
    case
        when n_fail > 0 then 'ineligible'
        when n_unknown > 0 then 'needs_review'
        else 'likely_eligible'
    end;

-- Text from the data as a CSV field: Excel runs a field starting with = + - @ (or a tab /
-- carriage return) as a formula, so such text gets a leading apostrophe (OWASP's advice
-- against CSV injection). Empty text is written as an empty field. (Workbooks mark such
-- cells as text instead: prescreen.report.spreadsheet.)
create or replace temp macro csv_text(value) as
    nullif(
        case
            when regexp_matches(value, '^[=+\-@\t\r]') then '''' || value
            else value
        end,
        ''
    );
