-- The platform's own tables. Idempotent: run on every bootstrap.
create table if not exists nex.dataset_versions (
    dataset         text        not null,
    data_version    text        not null,
    loaded_at       timestamptz not null default now(),
    source          text        not null,
    rows            bigint      not null,
    columns         integer     not null,
    bytes           bigint      not null,
    duration_s      double precision not null,
    table_schema    jsonb       not null,
    dagster_run_id  text,
    primary key (dataset, data_version, loaded_at)
);
create index if not exists dataset_versions_latest on nex.dataset_versions (dataset, loaded_at desc);

create table if not exists nex.load_failures (
    id             bigserial   primary key,
    dataset        text        not null,
    failed_at      timestamptz not null default now(),
    source         text        not null,
    reason         text        not null,
    dagster_run_id text
);

create table if not exists nex.column_profiles (
    dataset        text        not null,
    column_name    text        not null,
    data_version   text        not null,
    profiled_at    timestamptz not null default now(),
    ordinal        integer     not null,
    pg_type        text        not null,
    inferred_type  text        not null,
    sensitive      boolean     not null default false,
    row_count      bigint      not null,
    null_count     bigint      not null,
    null_share     double precision not null,
    distinct_count bigint      not null,
    stats          jsonb       not null,
    profile_hash   text        not null,
    primary key (dataset, column_name, data_version)
);

-- A query whose client has gone (a run stopped with Ctrl-C, a killed step) stops within seconds
-- instead of running to its end: the server checks the connection while it works.
do $$
begin
    execute format('alter database %I set client_connection_check_interval = %L', current_database(), '2s');
exception when insufficient_privilege or undefined_object then
    raise notice 'nex: cannot set client_connection_check_interval on this database';
end
$$;

-- Given and family names (from the name lists Faker ships) that personal-data detection at load
-- recognises names by; filled once per database (datasets/personal_scan.py).
create table if not exists nex.person_names (
    name   text    primary key,
    given  boolean not null,
    family boolean not null
);

-- Columns found to hold personal data by their values at each dataset's newest load.
create table if not exists nex.personal_columns (
    dataset      text             not null,
    column_name  text             not null,
    kind         text             not null,
    share        double precision not null,
    matched      bigint           not null,
    informative  bigint           not null,
    data_version text             not null,
    detected_at  timestamptz      not null default now(),
    primary key (dataset, column_name)
);
