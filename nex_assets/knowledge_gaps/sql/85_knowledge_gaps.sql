-- Knowledge gaps: per dataset and applicable recipe, what is missing, too sparse or too poor, with
-- suggestions; the newest computation replaces the previous one. Idempotent: run on every bootstrap.
create table if not exists nex.knowledge_gaps (
    dataset       text        not null,
    recipe        text        not null,
    family        text        not null,
    computed_at   timestamptz not null default now(),
    data_version  text,
    readiness     text        not null check (readiness in ('ready', 'usable with warnings', 'blocked')),
    summary       text        not null,
    writer        text        not null,
    gaps          jsonb       not null,
    dagster_run_id text,
    primary key (dataset, recipe)
);
