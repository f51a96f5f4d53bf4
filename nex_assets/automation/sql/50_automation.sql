-- Failed runs as the run-failure sensor saw them, so failures can be queried and trended.
create table if not exists nex.run_failures (
    run_id       text        primary key,
    job_name     text        not null,
    failed_at    timestamptz not null default now(),
    datasets     text[]      not null default '{}',
    message      text        not null,
    alert_status text        not null
);
