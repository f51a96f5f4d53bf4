-- ML recipes: evaluation-pack outcomes per candidate model version, and the schema that holds
-- the champions' batch predictions. Idempotent: run on every bootstrap.
create schema if not exists predictions;

create table if not exists nex.evaluation_results (
    id              bigserial   primary key,
    evaluated_at    timestamptz not null default now(),
    dataset         text        not null,
    recipe          text        not null,
    recipe_version  text        not null,
    model_name      text        not null,
    model_version   text        not null,
    run_id          text,
    pack            text        not null,
    pack_version    text        not null,
    criterion       text        not null,
    metric          text        not null,
    slice           text,
    value           double precision,
    threshold       text        not null,
    passed          boolean     not null,
    skipped         boolean     not null,
    reason          text        not null,
    promoted        boolean     not null,
    dagster_run_id  text
);
create index if not exists evaluation_results_model
    on nex.evaluation_results (model_name, model_version, evaluated_at desc);
create index if not exists evaluation_results_recipe on nex.evaluation_results (dataset, recipe, evaluated_at desc);
