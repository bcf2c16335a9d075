-- One event log for every domain. A domain writes its events here, built
-- from Go types, in the same transaction as the change they report (an
-- enrollment, a completion, a video becoming ready): one row per event,
-- whoever listens. Webhook delivery reads the log (webhooks_at marks what
-- its fan-out has taken); xAPI forwarding and analytics read it next.
-- This replaces the triggers that built webhook payloads in plpgsql and
-- wrote them only when a webhook subscribed.
-- The log is written in bulk (10,000 enrollments, one statement): it has
-- no foreign key (an organization is never deleted while it has a log)
-- and no index but the one its reader needs; readers to come add theirs.
create table events (
    id          bigint generated always as identity primary key,
    org_id      uuid not null default lectern_org(),
    type        text not null check (type ~ '^[a-z_]+(\.[a-z_]+)+$'),
    subject     text not null check (length(subject) between 1 and 200),
    occurred_at timestamptz not null default now(),
    payload     jsonb not null,
    webhooks_at timestamptz
);
create index events_webhooks_pending on events (id) where webhooks_at is null;
alter table events enable row level security;
create policy tenant on events using (org_id = lectern_org()) with check (org_id = lectern_org());

alter table webhook_deliveries add column event_id bigint references events (id) on delete cascade;

drop trigger enrollment_created on enrollments;
drop trigger course_completed on enrollments;
drop trigger lesson_completed_insert on lesson_progress;
drop trigger lesson_completed_update on lesson_progress;
drop trigger video_ready on videos;
drop function lectern_emit_enrollment_created();
drop function lectern_emit_course_completed();
drop function lectern_emit_lesson_completed();
drop function lectern_emit_video_ready();

-- Group enrollment rules are applied by the enrollments domain (in Go, in
-- the transaction that adds the members), so that their enrollments are
-- reported like every other.
drop trigger group_members_rules on group_members;
drop function lectern_apply_rules();
