-- Document collections: one row per file, with the content hash its chunks in nex.embeddings
-- (kind 'document') were made from, so only changed files are parsed and embedded again.
-- Idempotent: run on every bootstrap.
create table if not exists nex.documents (
    collection    text        not null,
    file          text        not null,
    kind          text        not null,
    file_hash     text,
    settings_hash text,
    units         integer     not null default 0,
    chunks        integer     not null default 0,
    chars         bigint      not null default 0,
    embedded_at   timestamptz,
    error         text,
    error_hash    text,
    failed_at     timestamptz,
    primary key (collection, file)
);
