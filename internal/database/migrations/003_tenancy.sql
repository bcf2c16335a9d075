-- Identity, tenancy, courses, enrollments, webhooks.
--
-- Every tenant-owned table carries org_id and is guarded by row-level
-- security (forced, so the owning role is guarded too). A transaction sees
-- rows of one organization after database.InOrg has run
--   set_config('lectern.org_id', <org>, true)
-- Connections opened for system work (migrations, the worker, token
-- look-up) carry lectern.scope=system as a startup parameter and see all.
-- A connection with neither sees nothing, so a forgotten scope fails closed.
create function lectern_org() returns uuid
    language sql stable
    as $$ select nullif(current_setting('lectern.org_id', true), '')::uuid $$;

create function lectern_visible(org uuid) returns boolean
    language sql stable
    as $$ select coalesce(current_setting('lectern.scope', true), '') = 'system' or org = lectern_org() $$;

create table organizations (
    id         uuid primary key default gen_random_uuid(),
    slug       text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    name       text not null check (length(name) between 1 and 200),
    created_at timestamptz not null default now()
);

create table users (
    id             uuid primary key default gen_random_uuid(),
    org_id         uuid not null default lectern_org() references organizations (id) on delete cascade,
    email          text not null check (email = lower(email) and length(email) between 3 and 254),
    name           text not null check (length(name) <= 200),
    external_id    text check (length(external_id) <= 200),
    roles          text[] not null default '{learner}'
                   check (roles <@ array['admin', 'instructor', 'learner', 'ops']::text[]),
    password_hash  text,
    active         boolean not null default true,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    deactivated_at timestamptz,
    unique (org_id, email),
    unique (org_id, external_id),
    unique (org_id, id)
);

-- Sessions and personal API tokens: only the SHA-256 of the secret is kept.
create table tokens (
    id           uuid primary key default gen_random_uuid(),
    org_id       uuid not null default lectern_org() references organizations (id) on delete cascade,
    user_id      uuid not null,
    kind         text not null check (kind in ('session', 'api')),
    name         text not null default '' check (length(name) <= 100),
    hash         bytea not null unique,
    scopes       text[] not null default '{}',
    created_at   timestamptz not null default now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index tokens_user on tokens (user_id, kind) where revoked_at is null;

create table groups (
    id         uuid primary key default gen_random_uuid(),
    org_id     uuid not null default lectern_org() references organizations (id) on delete cascade,
    name       text not null check (length(name) between 1 and 200),
    created_at timestamptz not null default now(),
    unique (org_id, name),
    unique (org_id, id)
);

create table group_members (
    org_id   uuid not null default lectern_org(),
    group_id uuid not null,
    user_id  uuid not null,
    added_at timestamptz not null default now(),
    primary key (group_id, user_id),
    foreign key (org_id, group_id) references groups (org_id, id) on delete cascade,
    foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index group_members_user on group_members (user_id);

-- array_to_string is only stable (it formats any element type); for text[]
-- it is immutable, which a generated column needs.
create function lectern_words(a text[]) returns text
    language sql immutable parallel safe
    as $$ select array_to_string(a, ' ') $$;

create table courses (
    id           uuid primary key default gen_random_uuid(),
    org_id       uuid not null default lectern_org() references organizations (id) on delete cascade,
    title        text not null check (length(title) between 1 and 200),
    summary      text not null default '' check (length(summary) <= 1000),
    description  text not null default '' check (length(description) <= 100000),
    description_html text not null default '',
    tags         text[] not null default '{}',
    language     text not null default 'en' check (length(language) <= 35),
    status       text not null default 'draft' check (status in ('draft', 'published', 'archived')),
    enrollment   text not null default 'open' check (enrollment in ('open', 'invite')),
    owner_id     uuid not null,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    published_at timestamptz,
    search       tsvector generated always as (
        setweight(to_tsvector('english', title), 'A') ||
        setweight(to_tsvector('english', lectern_words(tags)), 'B') ||
        setweight(to_tsvector('english', summary), 'B') ||
        setweight(to_tsvector('english', description), 'C')) stored,
    unique (org_id, id),
    foreign key (org_id, owner_id) references users (org_id, id)
);
create index courses_search on courses using gin (search);
create index courses_catalog on courses (org_id, status, published_at desc, id);
create index courses_tags on courses using gin (tags);

create table course_instructors (
    org_id    uuid not null default lectern_org(),
    course_id uuid not null,
    user_id   uuid not null,
    role      text not null default 'co' check (role in ('owner', 'co')),
    added_at  timestamptz not null default now(),
    primary key (course_id, user_id),
    foreign key (org_id, course_id) references courses (org_id, id) on delete cascade,
    foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index course_instructors_user on course_instructors (user_id);

create table modules (
    id         uuid primary key default gen_random_uuid(),
    org_id     uuid not null default lectern_org(),
    course_id  uuid not null,
    title      text not null check (length(title) between 1 and 200),
    position   integer not null,
    created_at timestamptz not null default now(),
    unique (org_id, id),
    foreign key (org_id, course_id) references courses (org_id, id) on delete cascade
);
create index modules_course on modules (course_id, position);

create table lessons (
    id         uuid primary key default gen_random_uuid(),
    org_id     uuid not null default lectern_org(),
    course_id  uuid not null,
    module_id  uuid not null,
    title      text not null check (length(title) between 1 and 200),
    kind       text not null check (kind in ('video', 'text')),
    video_id   uuid,
    body       text not null default '' check (length(body) <= 200000),
    body_html  text not null default '',
    position   integer not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check ((kind = 'video') = (video_id is not null)),
    unique (org_id, id),
    foreign key (org_id, course_id) references courses (org_id, id) on delete cascade,
    foreign key (org_id, module_id) references modules (org_id, id) on delete cascade
);
create index lessons_module on lessons (module_id, position);
create index lessons_course on lessons (course_id);

create table lesson_prerequisites (
    org_id             uuid not null default lectern_org(),
    lesson_id          uuid not null,
    requires_lesson_id uuid not null check (requires_lesson_id <> lesson_id),
    primary key (lesson_id, requires_lesson_id),
    foreign key (org_id, lesson_id) references lessons (org_id, id) on delete cascade,
    foreign key (org_id, requires_lesson_id) references lessons (org_id, id) on delete cascade
);

create table module_prerequisites (
    org_id             uuid not null default lectern_org(),
    module_id          uuid not null,
    requires_module_id uuid not null check (requires_module_id <> module_id),
    primary key (module_id, requires_module_id),
    foreign key (org_id, module_id) references modules (org_id, id) on delete cascade,
    foreign key (org_id, requires_module_id) references modules (org_id, id) on delete cascade
);

create table enrollments (
    id           uuid primary key default gen_random_uuid(),
    org_id       uuid not null default lectern_org(),
    course_id    uuid not null,
    user_id      uuid not null,
    status       text not null default 'active' check (status in ('active', 'completed', 'withdrawn')),
    source       text not null check (source in ('self', 'instructor', 'admin', 'bulk', 'rule')),
    enrolled_by  uuid,
    due_at       timestamptz,
    progress     real not null default 0 check (progress between 0 and 100),
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    completed_at timestamptz,
    withdrawn_at timestamptz,
    unique (course_id, user_id),
    foreign key (org_id, course_id) references courses (org_id, id) on delete cascade,
    foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index enrollments_user on enrollments (user_id, status);

-- A lesson without a row is not started.
create table lesson_progress (
    org_id       uuid not null default lectern_org(),
    user_id      uuid not null,
    course_id    uuid not null,
    lesson_id    uuid not null,
    status       text not null check (status in ('in_progress', 'completed')),
    started_at   timestamptz not null default now(),
    completed_at timestamptz,
    updated_at   timestamptz not null default now(),
    primary key (user_id, lesson_id),
    foreign key (org_id, user_id) references users (org_id, id) on delete cascade,
    foreign key (org_id, lesson_id) references lessons (org_id, id) on delete cascade,
    foreign key (org_id, course_id) references courses (org_id, id) on delete cascade
);
create index lesson_progress_course on lesson_progress (course_id, user_id);

create table enrollment_rules (
    id         uuid primary key default gen_random_uuid(),
    org_id     uuid not null default lectern_org(),
    group_id   uuid not null,
    course_id  uuid not null,
    due_days   integer check (due_days between 1 and 3650),
    created_by uuid,
    created_at timestamptz not null default now(),
    unique (group_id, course_id),
    foreign key (org_id, group_id) references groups (org_id, id) on delete cascade,
    foreign key (org_id, course_id) references courses (org_id, id) on delete cascade
);

create table webhooks (
    id          uuid primary key default gen_random_uuid(),
    org_id      uuid not null default lectern_org() references organizations (id) on delete cascade,
    url         text not null check (length(url) <= 2000),
    description text not null default '' check (length(description) <= 500),
    secret      text not null,
    events      text[] not null check (cardinality(events) > 0 and
                events <@ array['video.ready', 'enrollment.created', 'lesson.completed', 'course.completed']::text[]),
    active      boolean not null default true,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now(),
    unique (org_id, id)
);

-- The outbox: a delivery is written in the same transaction as the change it
-- reports, then sent (and retried) by the worker.
create table webhook_deliveries (
    id              uuid primary key default gen_random_uuid(),
    org_id          uuid not null default lectern_org(),
    webhook_id      uuid not null,
    event           text not null,
    payload         jsonb not null,
    status          text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts        integer not null default 0,
    response_status integer,
    error           text,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    delivered_at    timestamptz,
    foreign key (org_id, webhook_id) references webhooks (org_id, id) on delete cascade
);
create index webhook_deliveries_log on webhook_deliveries (webhook_id, created_at desc, id desc);
create index webhook_deliveries_pending on webhook_deliveries (created_at) where status = 'pending';

-- Idempotency-Key: the first response to a POST is kept and replayed.
create table idempotency_keys (
    org_id       uuid not null default lectern_org(),
    principal    uuid not null,
    key          text not null,
    method       text not null,
    path         text not null,
    fingerprint  bytea not null,
    status       integer,
    content_type text,
    body         bytea,
    created_at   timestamptz not null default now(),
    primary key (principal, key)
);
create index idempotency_keys_age on idempotency_keys (created_at);

-- The pipeline's tables become tenant-owned. Rows made before tenancy belong
-- to the first organization, created here if there is none.
alter table uploads add column org_id uuid, add column owner_id uuid;
alter table upload_parts add column org_id uuid;
alter table videos add column org_id uuid, add column owner_id uuid;
alter table encodes add column org_id uuid;
do $$
declare first uuid;
begin
    if exists (select 1 from uploads) or exists (select 1 from videos) then
        insert into organizations (slug, name) values ('default', 'Lectern') returning id into first;
        update uploads set org_id = first;
        update upload_parts set org_id = first;
        update videos set org_id = first;
        update encodes set org_id = first;
    end if;
end $$;
alter table uploads alter column org_id set default lectern_org(), alter column org_id set not null,
    add foreign key (org_id) references organizations (id) on delete cascade;
alter table upload_parts alter column org_id set default lectern_org(), alter column org_id set not null;
alter table videos alter column org_id set default lectern_org(), alter column org_id set not null,
    add foreign key (org_id) references organizations (id) on delete cascade,
    add unique (org_id, id);
alter table encodes alter column org_id set default lectern_org(), alter column org_id set not null;
create index videos_org on videos (org_id, created_at desc, id desc);
alter table lessons add foreign key (org_id, video_id) references videos (org_id, id);

do $$
declare t text;
begin
    foreach t in array array['organizations', 'users', 'tokens', 'groups', 'group_members', 'courses',
        'course_instructors', 'modules', 'lessons', 'lesson_prerequisites', 'module_prerequisites',
        'enrollments', 'lesson_progress', 'enrollment_rules', 'webhooks', 'webhook_deliveries',
        'idempotency_keys', 'uploads', 'upload_parts', 'videos', 'encodes']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('alter table %I force row level security', t);
        if t = 'organizations' then
            execute format('create policy tenant on %I using (lectern_visible(id)) with check (lectern_visible(id))', t);
        else
            execute format('create policy tenant on %I using (lectern_visible(org_id)) with check (lectern_visible(org_id))', t);
        end if;
    end loop;
end $$;

-- Webhook events are written to the outbox by triggers, so every path that
-- enrolls, completes or publishes (one request, a bulk import, a rule, the
-- worker) reports it in the same transaction. Statement-level triggers with
-- transition tables keep a 10,000-row insert one statement.
create function lectern_emit_enrollment_created() returns trigger
    language plpgsql as $$
begin
    insert into webhook_deliveries (org_id, webhook_id, event, payload)
    select n.org_id, w.id, 'enrollment.created', jsonb_build_object(
        'enrollment_id', n.id, 'course_id', n.course_id, 'user_id', n.user_id,
        'source', n.source, 'due_at', n.due_at, 'enrolled_at', n.created_at)
    from new_rows n join webhooks w on w.org_id = n.org_id and w.active and 'enrollment.created' = any (w.events);
    if found then perform pg_notify('lectern_webhooks', ''); end if;
    return null;
end $$;
create trigger enrollment_created after insert on enrollments
    referencing new table as new_rows for each statement execute function lectern_emit_enrollment_created();

create function lectern_emit_course_completed() returns trigger
    language plpgsql as $$
begin
    insert into webhook_deliveries (org_id, webhook_id, event, payload)
    select n.org_id, w.id, 'course.completed', jsonb_build_object(
        'enrollment_id', n.id, 'course_id', n.course_id, 'user_id', n.user_id, 'completed_at', n.completed_at)
    from new_rows n join old_rows o on o.id = n.id
    join webhooks w on w.org_id = n.org_id and w.active and 'course.completed' = any (w.events)
    where n.status = 'completed' and o.status <> 'completed';
    if found then perform pg_notify('lectern_webhooks', ''); end if;
    return null;
end $$;
create trigger course_completed after update on enrollments
    referencing old table as old_rows new table as new_rows for each statement execute function lectern_emit_course_completed();

create function lectern_emit_lesson_completed() returns trigger
    language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into webhook_deliveries (org_id, webhook_id, event, payload)
        select n.org_id, w.id, 'lesson.completed', jsonb_build_object(
            'course_id', n.course_id, 'lesson_id', n.lesson_id, 'user_id', n.user_id, 'completed_at', n.completed_at)
        from new_rows n join webhooks w on w.org_id = n.org_id and w.active and 'lesson.completed' = any (w.events)
        where n.status = 'completed';
    else
        insert into webhook_deliveries (org_id, webhook_id, event, payload)
        select n.org_id, w.id, 'lesson.completed', jsonb_build_object(
            'course_id', n.course_id, 'lesson_id', n.lesson_id, 'user_id', n.user_id, 'completed_at', n.completed_at)
        from new_rows n join old_rows o on o.user_id = n.user_id and o.lesson_id = n.lesson_id
        join webhooks w on w.org_id = n.org_id and w.active and 'lesson.completed' = any (w.events)
        where n.status = 'completed' and o.status <> 'completed';
    end if;
    if found then perform pg_notify('lectern_webhooks', ''); end if;
    return null;
end $$;
create trigger lesson_completed_insert after insert on lesson_progress
    referencing new table as new_rows for each statement execute function lectern_emit_lesson_completed();
create trigger lesson_completed_update after update on lesson_progress
    referencing old table as old_rows new table as new_rows for each statement execute function lectern_emit_lesson_completed();

create function lectern_emit_video_ready() returns trigger
    language plpgsql as $$
begin
    insert into webhook_deliveries (org_id, webhook_id, event, payload)
    select n.org_id, w.id, 'video.ready', jsonb_build_object(
        'video_id', n.id, 'title', n.title, 'duration', n.duration, 'width', n.width, 'height', n.height,
        'ready_at', n.ready_at)
    from new_rows n join old_rows o on o.id = n.id
    join webhooks w on w.org_id = n.org_id and w.active and 'video.ready' = any (w.events)
    where n.status = 'ready' and o.status is distinct from 'ready';
    if found then perform pg_notify('lectern_webhooks', ''); end if;
    return null;
end $$;
create trigger video_ready after update on videos
    referencing old table as old_rows new table as new_rows for each statement execute function lectern_emit_video_ready();

-- Rule-based enrollment: a member joining a group is enrolled in the
-- group's courses in the same statement's transaction, whatever path added
-- them (one request, provisioning in bulk, an admin page).
create function lectern_apply_rules() returns trigger
    language plpgsql as $$
begin
    insert into enrollments (org_id, course_id, user_id, source, due_at)
    select distinct on (r.course_id, n.user_id) n.org_id, r.course_id, n.user_id, 'rule',
           case when r.due_days is null then null else now() + make_interval(days => r.due_days) end
    from new_rows n
    join enrollment_rules r on r.group_id = n.group_id
    join users u on u.id = n.user_id and u.active
    join courses c on c.id = r.course_id and c.status <> 'archived'
    on conflict (course_id, user_id) do nothing;
    return null;
end $$;
create trigger group_members_rules after insert on group_members
    referencing new table as new_rows for each statement execute function lectern_apply_rules();
