-- Interactive checkpoints (assessments/): questions pinned to moments of a
-- video lesson, learners' graded attempts, what each learner has watched,
-- and each video lesson's policy. Answer keys live only here (questions),
-- never in what a learner is sent.

-- A video lesson's rules: how the learner may navigate, how fast they may
-- play, what completes it. A lesson without a row has the defaults.
create table lesson_policies (
    org_id               uuid not null default lectern_org(),
    lesson_id            uuid primary key,
    navigation           text not null default 'free' check (navigation in ('free', 'no_skip_ahead', 'no_seek')),
    max_speed            double precision not null default 2 check (max_speed between 0.25 and 4),
    completion_threshold double precision not null default 0.9 check (completion_threshold > 0 and completion_threshold <= 1),
    mastery_score        double precision check (mastery_score between 0 and 1),
    updated_at           timestamptz not null default now(),
    foreign key (org_id, lesson_id) references lessons (org_id, id) on delete cascade
);

-- A checkpoint: one or more questions (with their keys, as JSON) at a time
-- of a video lesson.
create table checkpoints (
    org_id           uuid not null default lectern_org(),
    id               uuid primary key default gen_random_uuid(),
    course_id        uuid not null,
    lesson_id        uuid not null,
    at               double precision not null check (at >= 0),
    title            text not null default '' check (length(title) <= 200),
    required         boolean not null default true,
    must_pass        boolean not null default false,
    attempts_allowed integer not null default 0 check (attempts_allowed between 0 and 100),
    scoring          text not null default 'best' check (scoring in ('first', 'best', 'last')),
    pass_score       double precision not null default 1 check (pass_score between 0 and 1),
    jump_to          double precision check (jump_to >= 0),
    questions        jsonb not null,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now(),
    unique (org_id, id),
    foreign key (org_id, lesson_id) references lessons (org_id, id) on delete cascade,
    foreign key (org_id, course_id) references courses (org_id, id) on delete cascade
);
create index checkpoints_lesson on checkpoints (lesson_id, at);

-- A learner's graded attempt at a checkpoint: what they answered and what
-- each answer scored. number counts a learner's attempts at one checkpoint.
create table checkpoint_attempts (
    org_id        uuid not null default lectern_org(),
    id            uuid primary key default gen_random_uuid(),
    checkpoint_id uuid not null,
    lesson_id     uuid not null,
    user_id       uuid not null,
    number        integer not null check (number >= 1),
    score         double precision not null check (score between 0 and 1),
    passed        boolean not null,
    answers       jsonb not null,
    results       jsonb not null,
    created_at    timestamptz not null default now(),
    unique (checkpoint_id, user_id, number),
    foreign key (org_id, checkpoint_id) references checkpoints (org_id, id) on delete cascade,
    foreign key (org_id, user_id) references users (org_id, id) on delete cascade
);
create index checkpoint_attempts_learner on checkpoint_attempts (user_id, lesson_id);

-- What a learner has watched of a video lesson, derived on the server from
-- their xAPI Video Profile statements in the LRS (through_seq: the last
-- statement applied, so that a missed update is caught up from the LRS),
-- credited only as far as the wall clock since credit_clock allows.
create table watch_states (
    org_id       uuid not null default lectern_org(),
    user_id      uuid not null,
    lesson_id    uuid not null,
    video_id     uuid not null,
    watched      jsonb not null default '[]',
    furthest     double precision not null default 0,
    position     double precision not null default 0,
    credit_clock timestamptz,
    through_seq  bigint not null default 0,
    refused      bigint not null default 0,
    -- passed or failed once the lesson's mastery score is met, or can no
    -- longer be (the xAPI passed/failed statement is then recorded once)
    outcome      text check (outcome in ('passed', 'failed')),
    updated_at   timestamptz not null default now(),
    primary key (user_id, lesson_id),
    foreign key (org_id, user_id) references users (org_id, id) on delete cascade,
    foreign key (org_id, lesson_id) references lessons (org_id, id) on delete cascade
);
create index watch_states_lesson on watch_states (lesson_id);

do $$
declare t text;
begin
    foreach t in array array['lesson_policies', 'checkpoints', 'checkpoint_attempts', 'watch_states']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('create policy tenant on %I using (org_id = lectern_org()) with check (org_id = lectern_org())', t);
    end loop;
end $$;
