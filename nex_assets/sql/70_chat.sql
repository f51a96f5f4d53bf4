-- Chat with your data: the read-only role every question runs as, and the kept conversations.
-- Idempotent: run on every bootstrap, after the other domains have created their schemas.

-- nex_reader may log in and read the warehouse schemas, nothing else: no CREATE anywhere, no
-- access to the platform's own schema (nex: profiles, conversations, caches) or to MLflow and
-- Dagster. Every transaction it starts is READ ONLY unless it asks otherwise, and the chat path
-- asks READ ONLY explicitly as well. On an external server whose user may not create roles,
-- create it once by hand (CREATE ROLE nex_reader LOGIN PASSWORD '...') and set NEX_READER_PASSWORD.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'nex_reader') then
        create role nex_reader login nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls;
    end if;
exception when insufficient_privilege then
    raise notice 'nex: cannot create role nex_reader here; create it by hand to use nex query / ask / mcp';
end
$$;

do $$
declare
    s text;
    t regclass;
begin
    if not exists (select 1 from pg_roles where rolname = 'nex_reader') then
        return;
    end if;
    execute 'alter role nex_reader set default_transaction_read_only = on';
    execute 'alter role nex_reader set statement_timeout = ''30s''';
    execute format('revoke all on schema nex from nex_reader');
    execute format('revoke all on all tables in schema nex from nex_reader');
    -- Tables the loader swaps in, dbt rebuilds and other domains create later are covered by the
    -- default privileges of the role that creates them (the platform's own user).
    foreach s in array array['raw', 'staging', 'marts', 'synthetic', 'predictions'] loop
        if exists (select 1 from pg_namespace where nspname = s) then
            execute format('grant usage on schema %I to nex_reader', s);
            -- Tables whose personal columns were closed to the reader (column grants, written by
            -- nex_assets/ingest/reader_access.py on each load and profile) keep that restriction.
            for t in
                select c.oid::regclass from pg_class c
                 where c.relnamespace = s::regnamespace and c.relkind in ('r', 'v', 'm', 'p', 'f')
                   and not exists (
                       select 1 from pg_attribute a, aclexplode(a.attacl) x
                        where a.attrelid = c.oid and a.attacl is not null
                          and x.grantee = 'nex_reader'::regrole)
            loop
                execute format('grant select on %s to nex_reader', t);
            end loop;
            execute format('alter default privileges in schema %I grant select on tables to nex_reader', s);
        end if;
    end loop;
exception when insufficient_privilege then
    raise notice 'nex: cannot grant to nex_reader here; grant USAGE and SELECT on the warehouse schemas by hand';
end
$$;

create table if not exists nex.chat_conversations (
    id          uuid        primary key,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    title       text        not null,
    persona     text        not null,
    model       text
);

create table if not exists nex.chat_messages (
    id              bigserial   primary key,
    conversation_id uuid        not null references nex.chat_conversations (id) on delete cascade,
    created_at      timestamptz not null default now(),
    role            text        not null check (role in ('system', 'user', 'assistant', 'tool')),
    content         text,
    tool_name       text,
    tool_call_id    text,
    tool_input      jsonb,
    tool_output     jsonb,
    model           text
);
create index if not exists chat_messages_conversation on nex.chat_messages (conversation_id, id);
