-- Resumable uploads: one S3 multipart upload per row, one row per received part.
create table uploads (
    id           uuid primary key,
    filename     text not null,
    title        text not null,
    content_type text not null default 'application/octet-stream',
    size         bigint not null check (size > 0),
    chunk_size   bigint not null check (chunk_size > 0),
    parts_total  integer not null check (parts_total > 0),
    object_key   text not null,
    s3_upload_id text not null,
    status       text not null default 'open' check (status in ('open', 'completed', 'aborted')),
    video_id     uuid,
    created_at   timestamptz not null default now(),
    updated_at   timestamptz not null default now(),
    expires_at   timestamptz not null
);
create index uploads_open_expiry on uploads (expires_at) where status = 'open';

create table upload_parts (
    upload_id  uuid not null references uploads (id) on delete cascade,
    part       integer not null check (part > 0),
    size       bigint not null,
    sha256     text not null,
    etag       text not null,
    created_at timestamptz not null default now(),
    primary key (upload_id, part)
);

create table videos (
    id                uuid primary key,
    title             text not null,
    status            text not null check (status in ('queued', 'processing', 'ready', 'failed', 'canceled')),
    source_key        text not null,
    source_size       bigint not null,
    duration          double precision,
    width             integer,
    height            integer,
    current_encode_id uuid,
    error             text,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    ready_at          timestamptz
);

-- One encode is one run of the pipeline over a video's source; its id is the
-- asynq TaskID and names the versioned prefix its objects are published under.
create table encodes (
    id          uuid primary key,
    video_id    uuid not null references videos (id) on delete cascade,
    state       text not null check (state in ('queued', 'running', 'retrying', 'succeeded', 'failed', 'canceled')),
    stage       text not null default 'queued',
    progress    real not null default 0,
    fps         real not null default 0,
    speed       real not null default 0,
    attempts    integer not null default 0,
    error       text,
    prefix      text not null,
    probe       jsonb,
    ladder      jsonb,
    renditions  jsonb,
    hls_path    text,
    dash_path   text,
    poster_path text,
    thumbs_path text,
    queued_at   timestamptz not null default now(),
    started_at  timestamptz,
    finished_at timestamptz,
    updated_at  timestamptz not null default now()
);
create index encodes_video on encodes (video_id, queued_at desc);
create index encodes_state on encodes (state) where state in ('queued', 'running', 'retrying');
