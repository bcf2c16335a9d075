-- The LRSs an organization already runs, which every statement its LRS
-- stores is forwarded to (xapi.Forwarder): in stored order, in batches,
-- each once. delivered_seq is the endpoint's cursor: every statement of
-- the organization up to it was delivered (or filtered out). A failed
-- attempt is retried at next_attempt_at, with backoff.
create table xapi_forwards (
    id              uuid primary key default gen_random_uuid(),
    org_id          uuid not null default lectern_org() references organizations (id) on delete cascade,
    url             text not null,
    username        text not null default '',
    password        text not null default '',
    verbs           text[] not null default '{}',
    activities      text[] not null default '{}',
    active          boolean not null default true,
    delivered_seq   bigint not null default 0,
    delivered       bigint not null default 0,
    attempts        int not null default 0,
    next_attempt_at timestamptz,
    last_attempt_at timestamptz,
    last_success_at timestamptz,
    last_error      text,
    created_at      timestamptz not null default now()
);
create index xapi_forwards_org on xapi_forwards (org_id, created_at desc, id desc);
alter table xapi_forwards enable row level security;
create policy tenant on xapi_forwards using (org_id = lectern_org()) with check (org_id = lectern_org());
