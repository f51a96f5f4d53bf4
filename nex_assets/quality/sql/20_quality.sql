-- Data quality (issue 4): one row per scoring of a dataset, kept as a time series so a person can see
-- whether the data gets better or worse. Idempotent: run on every bootstrap.
create table if not exists nex.quality_scores (
    id              bigserial   primary key,
    dataset         text        not null,
    scored_at       timestamptz not null default now(),
    data_version    text,
    score           double precision not null,
    completeness    double precision,
    consistency     double precision,
    accuracy        double precision,
    validity        double precision,
    uniqueness      double precision,
    timeliness      double precision,
    checks_passed   boolean     not null,
    expectations    integer     not null,
    failed          integer     not null,
    details         jsonb       not null,
    dagster_run_id  text
);
create index if not exists quality_scores_latest on nex.quality_scores (dataset, scored_at desc);
