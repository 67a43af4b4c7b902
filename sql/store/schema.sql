-- the results store: one row per scan in runs, one row per scan per person in patient_status
-- (meaning of every column: docs/store.md). Idempotent: run on every read-write open.
create table if not exists runs (
    run_id varchar primary key,
    trial_id varchar not null,
    trial_version varchar,
    registry varchar not null,
    as_of date not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    criteria_sha256 varchar not null,
    inputs_sha256 varchar not null,
    engine varchar not null,
    screened integer not null,
    likely_eligible integer not null,
    needs_review integer not null,
    ineligible integer not null
);

-- added after the first release: stores written before gain them (null in old rows)
alter table runs add column if not exists extract_date date;
alter table runs add column if not exists registry_source varchar;
alter table runs add column if not exists previous_run_id varchar;

create table if not exists patient_status (
    run_id varchar not null,
    person_id bigint not null,
    site varchar,
    status varchar not null,
    n_fail integer not null,
    n_unknown integer not null,
    n_manual integer not null,
    reasons varchar not null,
    primary key (run_id, person_id)
);
