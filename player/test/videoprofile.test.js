// The xAPI Video Profile emitter: played segments, statements, when each is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  VERBS, EXTENSIONS as X, VIDEO_ACTIVITY_TYPE, VIDEO_CATEGORY, HEARTBEAT_MS,
  round3, isoDuration, speedText, unionSegments, coveredSeconds, formatSegments, parseSegments,
  createSegmentTracker, createVideoSession, completedKey, watchTimeKey, uuidv4,
} from '../src/lib/videoprofile.js';

function memoryStorage(init = {}) {
  const m = new Map(Object.entries(init));
  return {
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => { m.set(k, String(v)); },
    removeItem: (k) => { m.delete(k); },
    map: m,
  };
}

const XAPI = {
  endpoint: 'http://lectern.test/xapi/',
  activity_id: 'http://lectern.test/courses/c1/lessons/l1/video',
  registration: '6f1c2a52-2f7e-4a55-9d1b-3f0f5b7c9e10',
  actor: { objectType: 'Agent', account: { homePage: 'http://lectern.test', name: 'u1' } },
  lesson_activity_id: 'http://lectern.test/courses/c1/lessons/l1',
  course_activity_id: 'http://lectern.test/courses/c1',
};

function setup(over = {}) {
  const sent = [];
  const clock = { t: Date.UTC(2026, 11, 2, 17, 0, 0) };
  let n = 0;
  const storage = over.storage || memoryStorage();
  const s = createVideoSession({
    xapi: XAPI, name: 'Intro', length: 100, threshold: 0.9, watched: [], speed: 1, userAgent: 'test-agent',
    send: (st) => sent.push(st), uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    now: () => clock.t, storage, ...over,
  });
  const verbs = () => sent.map((st) => st.verb.display['en-US']);
  const advance = (ms) => { clock.t += ms; };
  return { s, sent, verbs, clock, advance, storage };
}

/** Play from a to b in steps of `step` media seconds, `ms` wall-clock ms apart. */
function playThrough(ctx, a, b, step = 0.25, ms = 250) {
  for (let t = a + step; t <= b + 1e-9; t += step) {
    ctx.advance(ms);
    ctx.s.time(round3(t));
  }
}

test('numbers: 3 decimals, ISO 8601 durations, speeds', () => {
  assert.equal(round3(12.34567), 12.346);
  assert.equal(isoDuration(218), 'PT218S');
  assert.equal(isoDuration(65.456), 'PT65.46S');
  assert.equal(isoDuration(-1), 'PT0S');
  assert.equal(isoDuration(NaN), 'PT0S');
  assert.equal(speedText(1), '1x');
  assert.equal(speedText(1.5), '1.5x');
  assert.equal(speedText(0.75), '0.75x');
});

test('segments: union, clipping, format and parse', () => {
  assert.deepEqual(unionSegments([[14, 21], [0, 12.5], [18, 30], [40, 40], [5, 3]]), [[0, 12.5], [14, 30]]);
  assert.deepEqual(unionSegments([[-2, 5], [95, 130]], 100), [[0, 5], [95, 100]]);
  assert.deepEqual(unionSegments([[0, 5], [5, 8]]), [[0, 8]]); // touching segments merge
  assert.deepEqual(unionSegments([null, [1], ['a', 2], [1, 2]]), [[1, 2]]);
  assert.equal(coveredSeconds([[0, 12.5], [14, 21]]), 19.5);
  assert.equal(formatSegments([[0, 12.5], [14, 21]]), '0.000[.]12.500[,]14.000[.]21.000');
  assert.equal(formatSegments([]), '');
  assert.deepEqual(parseSegments('0.000[.]12.000[,]14.000[.]21.000[,]bad'), [[0, 12], [14, 21]]);
  assert.deepEqual(parseSegments(''), []);
});

test('tracker: playing, pausing, seeking, jumps and the server\'s watched', () => {
  const tr = createSegmentTracker({ length: 60, watched: [[0, 12.5], [14, 20]] });
  assert.equal(tr.text(), '0.000[.]12.500[,]14.000[.]20.000');
  assert.equal(tr.progress(), round3(18.5 / 60));
  tr.start(18);
  for (let t = 18.25; t <= 25; t += 0.25) tr.update(t);
  assert.equal(tr.playing(), true);
  assert.deepEqual(tr.segments(), [[0, 12.5], [14, 25]]); // the open segment counts
  tr.stop(25.1);
  assert.equal(tr.playing(), false);
  assert.deepEqual(tr.segments(), [[0, 12.5], [14, 25.1]]);
  // a jump ahead (a seek nobody reported) ends the segment instead of crediting the gap
  tr.start(30);
  tr.update(31);
  tr.update(45);
  tr.update(46);
  tr.stop(46);
  assert.deepEqual(tr.segments(), [[0, 12.5], [14, 25.1], [30, 31], [45, 46]]);
  // a step back starts another segment
  tr.start(10);
  tr.update(11);
  tr.update(5);
  tr.update(6);
  tr.stop(6);
  assert.deepEqual(tr.segments(), [[0, 12.5], [14, 25.1], [30, 31], [45, 46]]);
  assert.equal(tr.furthest(), 46);
  tr.merge([[46, 60]]);
  assert.deepEqual(tr.segments().slice(-1), [[45, 60]]);
  tr.update(3); // not playing: ignored
  assert.equal(tr.playing(), false);
  assert.equal(createSegmentTracker().progress(), 0); // no length
});

test('statements: the shape every statement has', () => {
  const ctx = setup();
  ctx.s.initialize(0);
  ctx.s.play(0);
  const [init, played] = ctx.sent;
  for (const st of ctx.sent) {
    assert.match(st.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual(st.actor, XAPI.actor);
    assert.deepEqual(st.object, { id: XAPI.activity_id, objectType: 'Activity', definition: { type: VIDEO_ACTIVITY_TYPE, name: { und: 'Intro' } } });
    assert.equal(st.context.registration, XAPI.registration);
    assert.deepEqual(st.context.contextActivities, {
      category: [{ id: VIDEO_CATEGORY }],
      parent: [{ id: XAPI.lesson_activity_id }],
      grouping: [{ id: XAPI.course_activity_id }],
    });
    assert.equal(st.context.extensions[X.length], 100);
    assert.equal(st.context.extensions[X.completionThreshold], 0.9);
    assert.equal(st.context.extensions[X.sessionId], init.id, 'session-id is the initialized statement\'s id');
    assert.equal(st.timestamp, '2026-12-02T17:00:00.000Z');
  }
  assert.deepEqual(init.verb, { id: VERBS.initialized, display: { 'en-US': 'initialized' } });
  assert.equal(init.context.extensions[X.speed], '1x');
  assert.equal(init.context.extensions[X.userAgent], 'test-agent');
  assert.equal(init.result, undefined);
  assert.equal(played.verb.id, VERBS.played);
  assert.deepEqual(played.result.extensions, { [X.time]: 0, [X.progress]: 0, [X.playedSegments]: '' });
});

test('session: initialized once, nothing before it, nothing after terminated', () => {
  const ctx = setup();
  ctx.s.play(0);
  ctx.s.time(1);
  ctx.s.pause(1);
  assert.deepEqual(ctx.sent, [], 'nothing before initialized');
  ctx.s.initialize(0);
  ctx.s.initialize(0);
  assert.deepEqual(ctx.verbs(), ['initialized']);
  ctx.s.terminate(0);
  ctx.s.play(0);
  ctx.s.seeked(0, 10);
  assert.deepEqual(ctx.verbs(), ['initialized', 'terminated']);
  // restored from the back/forward cache: a new session
  ctx.s.reopen(5);
  ctx.s.play(5);
  assert.deepEqual(ctx.verbs(), ['initialized', 'terminated', 'initialized', 'played']);
  assert.notEqual(ctx.sent[2].id, ctx.sent[0].id);
  assert.equal(ctx.sent[3].context.extensions[X.sessionId], ctx.sent[2].id);
});

test('session: play, pause, seek, speed — each statement with its extensions', () => {
  const ctx = setup({ watched: [[0, 5]] });
  ctx.s.initialize(5);
  ctx.s.play(5);
  playThrough(ctx, 5, 8);
  ctx.s.pause(8);
  ctx.s.pause(8); // twice: one statement
  const paused = ctx.sent.at(-1);
  assert.deepEqual(ctx.verbs(), ['initialized', 'played', 'paused']);
  assert.deepEqual(paused.result.extensions, { [X.time]: 8, [X.progress]: 0.08, [X.playedSegments]: '0.000[.]8.000' });

  ctx.s.play(8);
  playThrough(ctx, 8, 10);
  ctx.s.seeking();
  ctx.s.seeked(10, 30);
  playThrough(ctx, 30, 31);
  ctx.s.pause(31);
  const seeked = ctx.sent.find((st) => st.verb.id === VERBS.seeked);
  assert.deepEqual(seeked.result.extensions, { [X.timeFrom]: 10, [X.timeTo]: 30, [X.progress]: 0.1, [X.playedSegments]: '0.000[.]10.000' });
  assert.equal(ctx.sent.at(-1).result.extensions[X.playedSegments], '0.000[.]10.000[,]30.000[.]31.000');

  // a seek while paused does not start a segment
  ctx.s.seeked(31, 50);
  ctx.s.time(50);
  assert.equal(ctx.sent.at(-1).result.extensions[X.playedSegments], '0.000[.]10.000[,]30.000[.]31.000');

  ctx.s.rate(1.5, 50);
  ctx.s.rate(1.5, 50); // unchanged: nothing
  const inter = ctx.sent.at(-1);
  assert.equal(inter.verb.id, VERBS.interacted);
  assert.equal(inter.context.extensions[X.speed], '1.5x');
  assert.deepEqual(inter.result.extensions, { [X.time]: 50 });
  assert.deepEqual(ctx.verbs().slice(-4), ['seeked', 'paused', 'seeked', 'interacted']);
});

test('session: a played heartbeat every 10 s of playback, with the segments so far', () => {
  const ctx = setup();
  ctx.s.initialize(0);
  ctx.s.play(0);
  playThrough(ctx, 0, 25); // 25 s of media at 1×, 250 ms apart
  const beats = ctx.sent.filter((st) => st.verb.id === VERBS.played).slice(1);
  assert.equal(beats.length, 2, 'at 10 s and 20 s');
  assert.deepEqual(beats.map((b) => b.result.extensions[X.time]), [10, 20]);
  assert.equal(beats[1].result.extensions[X.playedSegments], '0.000[.]20.000');
  assert.equal(beats[1].result.extensions[X.progress], 0.2);
  // paused: no heartbeat however long
  ctx.s.pause(25);
  ctx.advance(5 * HEARTBEAT_MS);
  ctx.s.time(25);
  assert.equal(ctx.verbs().at(-1), 'paused');
  // a seek resets the 10 s (it reported the segments itself)
  ctx.s.play(25);
  ctx.advance(HEARTBEAT_MS - 1000);
  ctx.s.seeked(25, 40);
  ctx.advance(2000);
  ctx.s.time(40.5);
  assert.equal(ctx.verbs().at(-1), 'seeked');
});

test('session: completed once at the threshold, with completion, duration, progress', () => {
  const storage = memoryStorage();
  const ctx = setup({ storage, length: 20, threshold: 0.5 });
  ctx.s.initialize(0);
  ctx.s.play(0);
  playThrough(ctx, 0, 12, 0.5, 500); // 12 s at 1×
  const done = ctx.sent.filter((st) => st.verb.id === VERBS.completed);
  assert.equal(done.length, 1);
  const c = done[0];
  assert.equal(c.result.completion, true);
  assert.equal(c.result.extensions[X.time], 10);
  assert.equal(c.result.extensions[X.progress], 0.5);
  assert.equal(c.result.extensions[X.playedSegments], '0.000[.]10.000');
  assert.equal(c.result.duration, 'PT10S');
  assert.equal(storage.getItem(completedKey(XAPI.registration, XAPI.activity_id)), c.id);
  assert.equal(Number(storage.getItem(watchTimeKey(XAPI.registration, XAPI.activity_id))), 10);
  // only completed carries result.completion
  for (const st of ctx.sent) if (st !== c && st.result) assert.equal('completion' in st.result, false);
  ctx.s.pause(12);
  ctx.s.play(0);
  playThrough(ctx, 0, 20, 0.5, 500);
  assert.equal(ctx.sent.filter((st) => st.verb.id === VERBS.completed).length, 1);

  // the same registration on a new page: remembered, not sent again
  const again = setup({ storage, length: 20, threshold: 0.5 });
  again.s.initialize(0);
  again.s.play(0);
  playThrough(again, 0, 12, 0.5, 500);
  assert.equal(again.sent.filter((st) => st.verb.id === VERBS.completed).length, 0);
});

test('session: no completed when the server\'s coverage already met the threshold', () => {
  const ctx = setup({ length: 20, threshold: 0.5, watched: [[0, 15]] });
  ctx.s.initialize(15);
  ctx.s.play(15);
  playThrough(ctx, 15, 20);
  assert.equal(ctx.sent.filter((st) => st.verb.id === VERBS.completed).length, 0);
});

test('session: merged server segments show up in the next statement', () => {
  const ctx = setup({ watched: [[0, 5]] });
  ctx.s.initialize(0);
  ctx.s.merge([[50, 60]]);
  ctx.s.play(5);
  assert.equal(ctx.sent.at(-1).result.extensions[X.playedSegments], '0.000[.]5.000[,]50.000[.]60.000');
});

test('session: terminate while playing sends paused first, then terminated', () => {
  const ctx = setup();
  ctx.s.initialize(0);
  ctx.s.play(0);
  playThrough(ctx, 0, 3);
  ctx.s.terminate(3);
  assert.deepEqual(ctx.verbs(), ['initialized', 'played', 'paused', 'terminated']);
  const term = ctx.sent.at(-1);
  assert.deepEqual(term.result.extensions, { [X.time]: 3, [X.progress]: 0.03, [X.playedSegments]: '0.000[.]3.000' });
  assert.equal(term.context.extensions[X.length], 100);
  ctx.s.terminate(3);
  assert.equal(ctx.sent.length, 4);
});

test('session: ended is a pause; no registration → no registration in the context', () => {
  const ctx = setup({ xapi: { ...XAPI, registration: '', lesson_activity_id: '', course_activity_id: '' } });
  ctx.s.initialize(0);
  ctx.s.play(0);
  playThrough(ctx, 0, 1);
  ctx.s.ended(1);
  ctx.s.ended(1);
  assert.deepEqual(ctx.verbs(), ['initialized', 'played', 'paused']);
  assert.equal('registration' in ctx.sent[0].context, false);
  assert.deepEqual(ctx.sent[0].context.contextActivities, { category: [{ id: VIDEO_CATEGORY }] });
});

test('uuidv4: randomUUID when there is one, else getRandomValues', () => {
  const re = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  assert.equal(uuidv4({ randomUUID: () => 'x' }), 'x');
  assert.match(uuidv4({ getRandomValues: (b) => b.fill(255) }), re);
  assert.equal(uuidv4({ getRandomValues: (b) => b.fill(0) }), '00000000-0000-4000-8000-000000000000');
  assert.match(uuidv4(null), re);
  assert.match(uuidv4(), re);
});
