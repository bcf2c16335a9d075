-- Quiz lessons (assessments/): a lesson of kind 'quiz' is a set of
-- questions (the same six types as checkpoints, keys kept here only) with
-- attempts, a time limit, shuffling, a scoring policy and a pass score;
-- passing it completes the lesson like any other.

alter table lessons drop constraint lessons_kind_check;
alter table lessons add constraint lessons_kind_check check (kind in ('video', 'text', 'quiz'));

create table quizzes (
    org_id             uuid not null default lectern_org(),
    lesson_id          uuid primary key,
    course_id          uuid not null,
    attempts_allowed   integer not null default 0 check (attempts_allowed between 0 and 100),
    time_limit_seconds integer check (time_limit_seconds between 30 and 86400),
    shuffle_questions  boolean not null default false,
    shuffle_options    boolean not null default false,
    scoring            text not null default 'best' check (scoring in ('first', 'best', 'last')),
    pass_score         double precision not null default 0.8 check (pass_score between 0 and 1),
    questions          jsonb not null default '[]',
    updated_at         timestamptz not null default now(),
    foreign key (org_id, lesson_id) references lessons (org_id, id) on delete cascade,
    foreign key (org_id, course_id) references courses (org_id, id) on delete cascade
);

-- A learner's attempt at a quiz: opened (questions as they were then, in
-- the order the learner sees them), answers saved as they go (draft),
-- then submitted and graded once. deadline is started_at + the time limit
-- (null: none); an attempt still open past it is graded on what was saved
-- by then.
create table quiz_attempts (
    org_id       uuid not null default lectern_org(),
    id           uuid primary key default gen_random_uuid(),
    course_id    uuid not null,
    lesson_id    uuid not null,
    user_id      uuid not null,
    number       integer not null check (number >= 1),
    started_at   timestamptz not null default now(),
    deadline     timestamptz,
    questions    jsonb not null,
    draft        jsonb not null default '[]',
    draft_at     timestamptz,
    submitted_at timestamptz,
    late         boolean not null default false,
    score        double precision check (score between 0 and 1),
    passed       boolean,
    results      jsonb,
    unique (lesson_id, user_id, number),
    foreign key (org_id, lesson_id) references lessons (org_id, id) on delete cascade,
    foreign key (org_id, course_id) references courses (org_id, id) on delete cascade,
    foreign key (org_id, user_id) references users (org_id, id) on delete cascade,
    check ((submitted_at is null) = (score is null) and (score is null) = (passed is null) and (passed is null) = (results is null))
);
-- At most one open attempt per learner and quiz.
create unique index quiz_attempts_open on quiz_attempts (lesson_id, user_id) where submitted_at is null;

do $$
declare t text;
begin
    foreach t in array array['quizzes', 'quiz_attempts']
    loop
        execute format('alter table %I enable row level security', t);
        execute format('create policy tenant on %I using (org_id = lectern_org()) with check (org_id = lectern_org())', t);
    end loop;
end $$;
