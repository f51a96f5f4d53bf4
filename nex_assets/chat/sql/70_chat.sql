-- Chat with your data: the read-only role every question runs as, and the kept conversations.
-- Idempotent: run on every bootstrap, after the other domains have created their schemas.

-- nex_reader may log in and read the warehouse schemas, nothing else: no CREATE anywhere, no
-- access to the platform's own schema (nex: profiles, conversations, caches) or to MLflow and
-- Dagster. Every transaction it starts is READ ONLY unless it asks otherwise, and the chat path
-- asks READ ONLY explicitly as well. On an external server whose user may not create roles, an
-- administrator creates it once by hand (docs/storage.md) and NEX_READER_PASSWORD holds its password.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'nex_reader') then
        create role nex_reader login nosuperuser nocreatedb nocreaterole noinherit noreplication nobypassrls;
    end if;
exception when insufficient_privilege then
    raise notice 'nex: cannot create role nex_reader here; create it by hand to use nex query / ask / mcp';
end
$$;

-- What nex_assets/ingest/reader_access.py decided for each table: the columns the reader may
-- read. The setup below re-grants exactly these and never more.
create table if not exists nex.reader_access (
    schema_name    text        not null,
    table_name     text        not null,
    open_columns   text[]      not null,
    closed_columns text[]      not null,
    decided_at     timestamptz not null default now(),
    primary key (schema_name, table_name)
);

do $$
declare
    s text;
    t record;
    decided record;
    cols text;
begin
    if not exists (select 1 from pg_roles where rolname = 'nex_reader') then
        return;
    end if;
    -- Altering a role takes CREATEROLE, which the owner of an external server's databases may lack:
    -- there an administrator sets both once by hand (docs/storage.md), and the grants below go on.
    if not coalesce((select rolconfig from pg_roles where rolname = 'nex_reader')
                    @> array['default_transaction_read_only=on', 'statement_timeout=30s'], false) then
        begin
            execute 'alter role nex_reader set default_transaction_read_only = on';
            execute 'alter role nex_reader set statement_timeout = ''30s''';
        exception when insufficient_privilege then
            raise notice 'nex: cannot alter role nex_reader here; set its defaults by hand (docs/storage.md)';
        end;
    end if;
    execute format('revoke all on schema nex from nex_reader');
    execute format('revoke all on all tables in schema nex from nex_reader');
    foreach s in array array['raw', 'staging', 'marts', 'synthetic', 'predictions'] loop
        if exists (select 1 from pg_namespace where nspname = s) then
            execute format('grant usage on schema %I to nex_reader', s);
            -- raw holds personal data: its tables open column by column, by decision, never by
            -- default. Tables the other schemas gain later (dbt models, synthetic copies,
            -- predictions) are covered by the default privileges of the role that creates them.
            if s = 'raw' then
                execute 'alter default privileges in schema raw revoke select on tables from nex_reader';
            else
                execute format('alter default privileges in schema %I grant select on tables to nex_reader', s);
            end if;
            for t in
                select c.oid::regclass as rel, c.relname from pg_class c
                 where c.relnamespace = s::regnamespace and c.relkind in ('r', 'v', 'm', 'p', 'f')
            loop
                select * into decided from nex.reader_access a
                 where a.schema_name = s and a.table_name = t.relname;
                if found then
                    -- The recorded decision is the truth: it narrows a wider grant, never widens.
                    -- Tables already as decided are left alone (a load may hold their lock).
                    select string_agg(quote_ident(a.attname), ', ' order by a.attnum) into cols
                      from pg_attribute a
                     where a.attrelid = t.rel and a.attnum > 0 and not a.attisdropped
                       and a.attname = any(decided.open_columns);
                    if exists (select 1 from pg_class c, aclexplode(c.relacl) x
                                where c.oid = t.rel and c.relacl is not null
                                  and x.grantee = 'nex_reader'::regrole)
                       or coalesce(cols, '') is distinct from coalesce((
                           select string_agg(quote_ident(a.attname), ', ' order by a.attnum)
                             from pg_attribute a
                            where a.attrelid = t.rel and a.attnum > 0 and not a.attisdropped
                              and exists (select 1 from aclexplode(a.attacl) x
                                           where x.grantee = 'nex_reader'::regrole
                                             and x.privilege_type = 'SELECT')), '') then
                        execute format('revoke all on %s from nex_reader', t.rel);
                        if cols is not null then
                            execute format('grant select (%s) on %s to nex_reader', cols, t.rel);
                        end if;
                    end if;
                elsif s <> 'raw' and not has_table_privilege('nex_reader', t.rel, 'SELECT')
                      and not exists (
                          select 1 from pg_attribute a, aclexplode(a.attacl) x
                           where a.attrelid = t.rel and a.attacl is not null
                             and x.grantee = 'nex_reader'::regrole) then
                    execute format('grant select on %s to nex_reader', t.rel);
                end if;
            end loop;
        end if;
    end loop;
exception when insufficient_privilege then
    raise notice 'nex: cannot grant to nex_reader here; grant USAGE and SELECT on the warehouse schemas by hand';
end
$$;

-- Functions that plan SQL given as text (the query_to_xml family, ts_stat, ts_rewrite) run it
-- outside every check of the read-only path. Where NEX's user is the server's superuser (the
-- embedded server) nobody else may call them; on another server an administrator runs the same
-- REVOKEs once by hand (docs/storage.md). The parser refuses them first in any case (an allowlist).
do $$
declare
    f regprocedure;
begin
    if not coalesce((select rolsuper from pg_roles where rolname = current_user), false) then
        return;
    end if;
    for f in
        select p.oid::regprocedure from pg_proc p
         where p.pronamespace = 'pg_catalog'::regnamespace
           and p.proname in ('query_to_xml', 'query_to_xml_and_xmlschema', 'query_to_xmlschema',
                             'cursor_to_xml', 'cursor_to_xmlschema', 'table_to_xml',
                             'table_to_xml_and_xmlschema', 'table_to_xmlschema', 'schema_to_xml',
                             'schema_to_xml_and_xmlschema', 'schema_to_xmlschema', 'database_to_xml',
                             'database_to_xml_and_xmlschema', 'database_to_xmlschema', 'ts_stat',
                             'ts_rewrite')
           and has_function_privilege('public', p.oid, 'EXECUTE')
    loop
        execute format('revoke execute on function %s from public', f);
    end loop;
end
$$;

-- Beyond its grants, the reader may not reach Dagster's or MLflow's database, create temporary objects,
-- fill the disk with the temporary files of its own sorts and hashes, or read other sessions' SQL (other
-- people's questions run as nex_reader too). These settings take a superuser: the embedded server's user
-- sets them; on another server an administrator runs the same statements once (docs/storage.md).
do $$
declare
    d text;
begin
    if not coalesce((select rolsuper from pg_roles where rolname = current_user), false)
       or not exists (select 1 from pg_roles where rolname = 'nex_reader') then
        return;
    end if;
    if not coalesce((select rolconfig from pg_roles where rolname = 'nex_reader')
                    @> array['temp_file_limit=100MB'], false) then
        execute 'alter role nex_reader set temp_file_limit = ''100MB''';
    end if;
    for d in select datname from pg_database where datname in ('dagster', 'mlflow') loop
        execute format('revoke connect, temporary on database %I from public', d);
    end loop;
    execute format('revoke temporary on database %I from public', current_database());
    revoke select on pg_catalog.pg_stat_activity from public;
    revoke execute on function pg_catalog.pg_stat_get_activity(integer) from public;
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

-- Answers people marked right or wrong. A right one is a suggested example until a person reviews
-- it; a verified example answers the same question again (its metric query or SQL, run anew).
create table if not exists nex.verified_examples (
    id              bigserial   primary key,
    question        text        not null,
    metric_query    jsonb,
    sql             text,
    status          text        not null check (status in ('suggested', 'verified', 'wrong', 'rejected')),
    conversation_id uuid,
    marked_by       text        not null,
    marked_at       timestamptz not null default now(),
    reviewed_by     text,
    reviewed_at     timestamptz
);
