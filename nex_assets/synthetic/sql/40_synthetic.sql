-- Synthetic copies: one row per materialization of `<dataset>/synthetic`, with the evidence behind
-- it (fidelity, privacy, utility) so it can be shown to a data-protection officer. Idempotent.
create table if not exists nex.synthetic_runs (
    id                       bigserial   primary key,
    dataset                  text        not null,
    created_at               timestamptz not null default now(),
    data_version             text,
    synthesizer              text        not null,
    seed                     integer     not null,
    rows_real                bigint      not null,
    rows_fit                 bigint      not null,
    rows_synthetic           bigint      not null,
    device                   text        not null,
    diagnostic               double precision not null,
    quality                  double precision not null,
    dcr_baseline_protection  double precision not null,
    exact_copy_share         double precision not null,
    tstr_loss                double precision,
    checks_passed            boolean     not null,
    mlflow_run_id            text,
    details                  jsonb       not null,
    dagster_run_id           text
);
create index if not exists synthetic_runs_latest on nex.synthetic_runs (dataset, created_at desc);
