-- Drift measurements over time: one row per measurement in nex.drift_reports, one row per compared
-- column in nex.drift_metrics. Both are written in one transaction, so a measurement is whole or absent.
create table if not exists nex.drift_reports (
    id               bigserial   primary key,
    measured_at      timestamptz not null default now(),
    dataset          text        not null,
    recipe           text        not null,
    model_version    text,
    run_id           text,
    drift_share      double precision not null,
    drifted_features integer     not null,
    features         integer     not null,
    retrain_share    double precision not null,
    reference_rows   bigint      not null,
    current_rows     bigint      not null,
    reference_sample bigint      not null,
    current_sample   bigint      not null,
    report_path      text,
    skipped          jsonb       not null default '{}'
);
create index if not exists drift_reports_recipe_time on nex.drift_reports (dataset, recipe, measured_at desc);

create table if not exists nex.drift_metrics (
    report_id   bigint      not null references nex.drift_reports (id) on delete cascade,
    measured_at timestamptz not null,
    dataset     text        not null,
    recipe      text        not null,
    column_name text        not null,
    role        text        not null,
    kind        text        not null,
    method      text        not null,
    score       double precision,
    threshold   double precision,
    drifted     boolean     not null,
    primary key (report_id, column_name)
);
create index if not exists drift_metrics_column_time on nex.drift_metrics (dataset, recipe, column_name, measured_at desc);
