-- Each organization's Learning Record Store (xapi/). Every table is
-- tenant-owned and confined by the same row-level security as the rest.

-- Credentials of xAPI clients (HTTP Basic key:secret); the secret is kept
-- as its SHA-256 only. Look-up by key is system work (the organization is
-- not known until the key is).
create table xapi_credentials (
    id          uuid primary key default gen_random_uuid(),
    org_id      uuid not null default lectern_org() references organizations (id) on delete cascade,
    name        text not null check (length(name) between 1 and 200),
    key         text not null unique,
    secret_hash bytea not null,
    scopes      text[] not null,
    created_at  timestamptz not null default now(),
    revoked_at  timestamptz
);
create index xapi_credentials_org on xapi_credentials (org_id, created_at desc, id desc);

-- Statements, whole: body is the statement as stored (what the client sent
-- plus what the LRS sets: id, stored, timestamp, authority, version),
-- served as is. seq is the stored order: statements of an organization are
-- written one transaction at a time (an advisory lock), so seq and stored
-- grow in commit order and a reader paging by seq never skips one that
-- commits later.
create table xapi_statements (
    org_id       uuid not null default lectern_org() references organizations (id) on delete cascade,
    seq          bigint generated always as identity,
    id           uuid not null,
    stored       timestamptz not null,
    verb         text not null,
    voids        uuid,          -- set on a voiding statement: the statement it voids
    voided       boolean not null default false,
    body         json not null,
    primary key (org_id, id)
);
create unique index xapi_statements_seq on xapi_statements (org_id, seq);
create index xapi_statements_stored on xapi_statements (org_id, stored);

-- What the filters of GET /statements look up, one row per statement and
-- key: kind a = an Agent or Group as actor or object (related = false) or
-- elsewhere (authority, instructor, team, context agents and groups,
-- sub-statements: related = true), c = an activity as object (related =
-- false) or in context or a sub-statement (related = true), v = the verb,
-- r = the registration, u = the authority's credential, m = the actor
-- alone. key is a digest of the value (values are unbounded IRIs). A
-- statement that targets another (a StatementRef) also carries the keys
-- of its target, so that it matches the filters its target matches.
create table xapi_statement_keys (
    org_id  uuid not null default lectern_org(),
    kind    "char" not null,
    key     uuid not null,
    seq     bigint not null,
    related boolean not null,
    primary key (org_id, kind, key, seq, related)
);

-- Attachment bytes, by content hash (shared by the statements that carry
-- the same file).
create table xapi_attachments (
    org_id       uuid not null default lectern_org() references organizations (id) on delete cascade,
    sha2         text not null,
    content_type text not null,
    body         bytea not null,
    primary key (org_id, sha2)
);

-- The canonical definition of each activity: the latest one a statement
-- carried.
create table xapi_activities (
    org_id     uuid not null default lectern_org() references organizations (id) on delete cascade,
    key        uuid not null,
    id         text not null,
    definition json,
    updated_at timestamptz not null default now(),
    primary key (org_id, key)
);

-- State, activity profile and agent profile documents. scope is a digest
-- of what a document belongs to (its kind, activity, agent, registration);
-- key a digest of the scope and its id.
create table xapi_documents (
    org_id       uuid not null default lectern_org() references organizations (id) on delete cascade,
    key          uuid not null,
    scope        uuid not null,
    doc_id       text not null,
    content_type text not null,
    body         bytea not null,
    etag         text not null,
    updated_at   timestamptz not null,
    primary key (org_id, key)
);
create index xapi_documents_scope on xapi_documents (org_id, scope, updated_at);

do $$
declare t text;
begin
    foreach t in array array['xapi_credentials', 'xapi_statements', 'xapi_statement_keys', 'xapi_attachments',
        'xapi_activities', 'xapi_documents']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('create policy tenant on %I using (org_id = lectern_org()) with check (org_id = lectern_org())', t);
    end loop;
end $$;
