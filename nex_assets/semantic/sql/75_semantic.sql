-- The semantic layer's drafts: one per dataset, redrafted from each new profile. A person accepts
-- one (it is written to semantic/<dataset>.yaml, which then wins), or rejects it (it is not used).
create table if not exists nex.semantic_drafts (
    dataset        text        primary key,
    data_version   text        not null,
    body           jsonb       not null,
    body_hash      text        not null,
    status         text        not null default 'draft' check (status in ('draft', 'accepted', 'rejected')),
    drafted_at     timestamptz not null default now(),
    decided_at     timestamptz,
    decided_by     text
);

-- Distinct values of the categorical dimensions, so that a literal in a question ('snacks',
-- 'Edinburgh') is matched to the dimension it belongs to. Personal columns are never indexed.
create table if not exists nex.semantic_values (
    dataset        text        not null,
    dimension      text        not null,
    value          text        not null,
    rows           bigint      not null,
    primary key (dataset, dimension, value)
);
create index if not exists semantic_values_lower on nex.semantic_values (lower(value));
