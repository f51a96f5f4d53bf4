-- The LLM answer cache, the data dictionary with its version history, and the pgvector embeddings.
-- Idempotent: run on every bootstrap.
create table if not exists nex.llm_cache (
    key               text        primary key,
    model             text        not null,
    purpose           text        not null,
    response          jsonb       not null,
    prompt_tokens     integer     not null default 0,
    completion_tokens integer     not null default 0,
    created_at        timestamptz not null default now(),
    hits              integer     not null default 0,
    last_hit_at       timestamptz
);

-- The current text of every table ('' as column_name) and column entry.
create table if not exists nex.dictionary_entries (
    dataset         text        not null,
    column_name     text        not null default '',
    kind            text        not null check (kind in ('table', 'column')),
    description     text        not null,
    business_meaning text       not null default '',
    unit            text,
    personal_data   boolean     not null default false,
    personal_kind   text,
    tags            text[]      not null default '{}',
    writer          text        not null,
    source          text        not null check (source in ('llm', 'rule-based', 'override')),
    -- suggested (a model wrote it), rule-based, accepted (a person accepted a suggestion), curated
    -- (a person wrote it): see docs/dictionary.md.
    status          text        not null,
    model           text,
    prompt_hash     text,
    profile_hash    text        not null,
    author          text        not null,
    version         integer     not null,
    updated_at      timestamptz not null default now(),
    primary key (dataset, column_name)
);

-- Every change is a new row here; nothing is ever updated in place.
create table if not exists nex.dictionary_versions (
    id              bigserial   primary key,
    dataset         text        not null,
    column_name     text        not null default '',
    version         integer     not null,
    kind            text        not null,
    description     text        not null,
    business_meaning text       not null default '',
    unit            text,
    personal_data   boolean     not null default false,
    personal_kind   text,
    tags            text[]      not null default '{}',
    writer          text        not null,
    source          text        not null,
    status          text        not null,
    model           text,
    prompt_hash     text,
    profile_hash    text        not null,
    author          text        not null,
    reason          text        not null,
    dagster_run_id  text,
    changed_at      timestamptz not null default now(),
    unique (dataset, column_name, version)
);

-- One row per embedded text: dictionary entries (kind 'table' / 'column') and documents (kind
-- 'document', file and page in ref / metadata). Search covers every kind.
create table if not exists nex.embeddings (
    id          bigserial   primary key,
    kind        text        not null,
    dataset     text        not null,
    ref         text        not null,
    table_name  text,
    column_name text,
    text        text        not null,
    text_hash   text        not null,
    embedder    text        not null,
    embedding   vector(384) not null,
    source      text        not null default '',
    curated     boolean     not null default false,
    metadata    jsonb       not null default '{}',
    updated_at  timestamptz not null default now(),
    unique (kind, dataset, ref, embedder)
);
create index if not exists embeddings_hnsw on nex.embeddings using hnsw (embedding vector_cosine_ops);
create index if not exists embeddings_dataset on nex.embeddings (dataset, kind);

-- Insights per dataset, kept over time: the facts computed by code and the statements phrased from them.
create table if not exists nex.insights (
    id             bigserial   primary key,
    dataset        text        not null,
    generated_at   timestamptz not null default now(),
    data_version   text,
    writer         text        not null,
    -- suggested (a model phrased it) or rule-based, then accepted once a person has read it.
    status         text        not null,
    reviewed_by    text,
    reviewed_at    timestamptz,
    facts          jsonb       not null,
    statements     jsonb       not null,
    dagster_run_id text
);
create index if not exists insights_latest on nex.insights (dataset, generated_at desc);

-- The review status came after these tables: tables made before it get the column here, and their rows
-- the status their writer implies (no person had accepted anything yet). Checked first, so that the
-- bootstrap of every process takes no lock on tables that already have it.
do $$
begin
    if not exists (select 1 from information_schema.columns
                    where table_schema = 'nex' and table_name = 'dictionary_entries' and column_name = 'status') then
        alter table nex.dictionary_entries add column status text;
        update nex.dictionary_entries set status = case source
            when 'llm' then 'suggested' when 'override' then 'curated' else 'rule-based' end;
        alter table nex.dictionary_entries alter column status set not null;
    end if;
    if not exists (select 1 from information_schema.columns
                    where table_schema = 'nex' and table_name = 'dictionary_versions' and column_name = 'status') then
        alter table nex.dictionary_versions add column status text;
        update nex.dictionary_versions set status = case source
            when 'llm' then 'suggested' when 'override' then 'curated' else 'rule-based' end;
        alter table nex.dictionary_versions alter column status set not null;
    end if;
    if not exists (select 1 from information_schema.columns
                    where table_schema = 'nex' and table_name = 'insights' and column_name = 'status') then
        alter table nex.insights add column status text, add column reviewed_by text,
            add column reviewed_at timestamptz;
        update nex.insights set status = case writer when 'rule-based' then 'rule-based' else 'suggested' end;
        alter table nex.insights alter column status set not null;
    end if;
end $$;
