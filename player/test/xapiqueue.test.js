// The durable xAPI queue: persistence, batches, what each answer does, back-off, keepalive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createXapiQueue, bindQueueToPage, queueKey, statementsUrl, backoffDelay, classify, retryAfterMs, takeBatch,
  QUEUE_MAX, BACKOFF_MAX_MS, KEEPALIVE_BYTES,
} from '../src/lib/xapiqueue.js';

const ENDPOINT = 'http://lectern.test/xapi/';
const ACTOR = { objectType: 'Agent', account: { homePage: 'http://lectern.test', name: 'u1' } };
const COMPLETED = 'http://adlnet.gov/expapi/verbs/completed';
const PLAYED = 'https://w3id.org/xapi/video/verbs/played';

function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => { m.set(k, String(v)); }, removeItem: (k) => { m.delete(k); }, map: m };
}

/** Fake timers: run(ms) advances the clock and fires what is due. */
function fakeTimers() {
  let t = 0;
  let seq = 0;
  const due = new Map();
  return {
    now: () => t,
    setTimeout: (fn, ms) => { const id = ++seq; due.set(id, { at: t + ms, fn }); return id; },
    clearTimeout: (id) => { due.delete(id); },
    pending: () => [...due.values()].map((d) => d.at - t).sort((a, b) => a - b),
    async run(ms) {
      const end = t + ms;
      for (;;) {
        const next = [...due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!next || next[1].at > end) break;
        t = next[1].at;
        due.delete(next[0]);
        next[1].fn();
        await settle();
      }
      t = end;
    },
  };
}
const settle = async () => { for (let i = 0; i < 20; i++) await Promise.resolve(); };

/** A fake LRS: answers from a list of statuses (or a function), records what was posted. */
function fakeLrs(answers = []) {
  const calls = [];
  const fn = async (url, init) => {
    const body = JSON.parse(init.body);
    calls.push({ url, init, body });
    const a = typeof answers === 'function' ? answers(body, calls.length) : (answers.length ? answers.shift() : 200);
    if (a === 'network') throw new TypeError('Failed to fetch');
    const status = typeof a === 'object' ? a.status : a;
    const headers = new Map(Object.entries((typeof a === 'object' && a.headers) || {}));
    return { status, headers: { get: (k) => headers.get(k) ?? null } };
  };
  fn.calls = calls;
  return fn;
}

const st = (i, verb = PLAYED) => ({ id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, verb: { id: verb }, n: i });

function setup({ answers, storage = memoryStorage(), ...over } = {}) {
  const timers = fakeTimers();
  const warnings = [];
  const lrs = fakeLrs(answers);
  const q = createXapiQueue({
    endpoint: ENDPOINT, actor: ACTOR, storage, fetch: lrs,
    setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, now: timers.now, random: () => 1,
    warn: (...a) => warnings.push(a.map(String).join(' ')), ...over,
  });
  return { q, timers, lrs, storage, warnings };
}

test('helpers: key, url, back-off, answers, Retry-After, batches', () => {
  assert.equal(queueKey(ENDPOINT, ACTOR), 'lectern.xapi.queue:http://lectern.test/xapi/|http://lectern.test|u1');
  assert.equal(queueKey(ENDPOINT, { mbox: 'mailto:a@x.test' }), 'lectern.xapi.queue:http://lectern.test/xapi/|mailto:a@x.test');
  assert.equal(statementsUrl('http://lectern.test/xapi/'), 'http://lectern.test/xapi/statements');
  assert.equal(statementsUrl('http://lectern.test/xapi'), 'http://lectern.test/xapi/statements');
  assert.deepEqual([1, 2, 3, 4, 7, 20].map((n) => backoffDelay(n, () => 1)), [1000, 2000, 4000, 8000, 60000, BACKOFF_MAX_MS]);
  assert.equal(backoffDelay(1, () => 0), 500);
  assert.deepEqual([200, 204, 400, 409, 413, 0, 401, 403, 404, 429, 500, 503].map(classify),
    ['stored', 'stored', 'refused', 'refused', 'too_large', 'retry', 'retry', 'retry', 'retry', 'retry', 'retry', 'retry']);
  assert.equal(retryAfterMs('3'), 3000);
  assert.equal(retryAfterMs(null), null);
  assert.equal(retryAfterMs('Wed, 02 Dec 2026 17:00:10 GMT', Date.UTC(2026, 11, 2, 17, 0, 0)), 10000);
  assert.equal(retryAfterMs('soon'), null);
  const list = [1, 2, 3, 4, 5].map((i) => st(i));
  assert.equal(takeBatch(list, 3).length, 3);
  const one = JSON.stringify(list[0]).length;
  assert.equal(takeBatch(list, 50, 2 + 2 * (one + 1)).length, 2);
  assert.equal(takeBatch(list, 50, 10).length, 1, 'at least one');
});

test('enqueue persists at once; statements go in one POST shortly after', async () => {
  const { q, timers, lrs, storage } = setup();
  q.enqueue(st(1));
  q.enqueue(st(2));
  q.enqueue(st(2)); // same id: once
  assert.deepEqual(JSON.parse(storage.getItem(q.key)).map((s) => s.n), [1, 2]);
  assert.equal(lrs.calls.length, 0);
  await timers.run(300);
  assert.equal(lrs.calls.length, 1);
  const { url, init, body } = lrs.calls[0];
  assert.equal(url, 'http://lectern.test/xapi/statements');
  assert.equal(init.method, 'POST');
  assert.equal(init.credentials, 'same-origin');
  assert.equal(init.headers['Content-Type'], 'application/json');
  assert.equal(init.headers['X-Experience-API-Version'], '1.0.3');
  assert.deepEqual(body.map((s) => s.n), [1, 2]);
  assert.deepEqual(q.pending(), []);
  assert.equal(storage.getItem(q.key), null);
  assert.deepEqual(q.sent().map((s) => s.n), [1, 2]);
});

test('network errors and 5xx keep the statements and retry with back-off', async () => {
  const { q, timers, lrs } = setup({ answers: ['network', 503, { status: 429, headers: { 'Retry-After': '7' } }, 200] });
  q.enqueue(st(1));
  await timers.run(200);
  assert.equal(lrs.calls.length, 1);
  assert.equal(q.pending().length, 1);
  assert.deepEqual(timers.pending(), [1000]);
  q.enqueue(st(2)); // backing off: no earlier send
  assert.deepEqual(timers.pending(), [1000]);
  await timers.run(1000);
  assert.equal(lrs.calls.length, 2);
  assert.deepEqual(timers.pending(), [2000]);
  await timers.run(2000);
  assert.equal(lrs.calls.length, 3);
  assert.deepEqual(timers.pending(), [7000], 'Retry-After');
  await timers.run(7000);
  assert.equal(lrs.calls.length, 4);
  assert.deepEqual(lrs.calls[3].body.map((s) => s.n), [1, 2]);
  assert.deepEqual(q.pending(), []);
  assert.deepEqual(timers.pending(), []);
});

test('flush() sends at once, skipping the back-off wait; concurrent flushes share one run', async () => {
  const { q, timers, lrs } = setup({ answers: [500, 200] });
  q.enqueue(st(1));
  await timers.run(200);
  assert.equal(q.pending().length, 1);
  const a = q.flush();
  const b = q.flush();
  const res = await a;
  await b;
  assert.deepEqual(res, { sent: 1, pending: 0 });
  assert.equal(lrs.calls.length, 2);
  assert.deepEqual(timers.pending(), []);
});

test('a refused batch is retried one by one: only the bad statement is dropped', async () => {
  const bad = st(2).id;
  const { q, timers, lrs, warnings } = setup({ answers: (body) => (body.some((s) => s.id === bad) ? 400 : 200) });
  for (const i of [1, 2, 3]) q.enqueue(st(i));
  await timers.run(200);
  assert.deepEqual(lrs.calls.map((c) => c.body.map((s) => s.n)), [[1, 2, 3], [1], [2], [3]]);
  assert.deepEqual(q.pending(), []);
  assert.deepEqual(q.sent().map((s) => s.n), [1, 3]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /refused xAPI statement .*HTTP 400/);
});

test('409 drops that statement; 413 splits the batch', async () => {
  const { q, timers, lrs, warnings } = setup({ answers: [409, 200, 413, 413, 200] });
  q.enqueue(st(1));
  await timers.run(200);
  assert.deepEqual(q.pending(), []);
  assert.equal(warnings.length, 1);
  q.enqueue(st(2));
  q.enqueue(st(3));
  await timers.run(200);
  // [2,3] → 200
  assert.deepEqual(q.sent().map((s) => s.n), [2, 3]);
  q.enqueue(st(4));
  q.enqueue(st(5));
  await timers.run(200);
  // [4,5] → 413, [4] → 413 dropped, [5] → 200
  assert.deepEqual(lrs.calls.slice(-3).map((c) => c.body.map((s) => s.n)), [[4, 5], [4], [5]]);
  assert.deepEqual(q.sent().map((s) => s.n), [2, 3, 5]);
});

test('survives a reload: a new queue on the same storage sends what is pending', async () => {
  const storage = memoryStorage();
  const first = setup({ storage, answers: ['network'] });
  first.q.enqueue(st(1));
  first.q.enqueue(st(2));
  await first.timers.run(200);
  assert.equal(first.q.pending().length, 2);
  first.q.stop();
  const second = setup({ storage });
  const res = await second.q.flush();
  assert.deepEqual(res, { sent: 2, pending: 0 });
  assert.deepEqual(second.lrs.calls[0].body.map((s) => s.n), [1, 2]);
  // another actor's queue is separate
  const other = createXapiQueue({ endpoint: ENDPOINT, actor: { mbox: 'mailto:b@x.test' }, storage, fetch: fakeLrs() });
  assert.notEqual(other.key, second.q.key);
});

test('bounded: past max the oldest non-completed statement goes first', async () => {
  const { q, warnings } = setup({ max: 3, answers: ['network'] });
  q.enqueue(st(1, COMPLETED));
  q.enqueue(st(2));
  q.enqueue(st(3));
  q.enqueue(st(4));
  assert.deepEqual(q.pending().map((s) => s.n), [1, 3, 4]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /queue full/);
  assert.equal(QUEUE_MAX, 2000);
});

test('batches of at most 50, in order', async () => {
  const { q, timers, lrs } = setup();
  for (let i = 1; i <= 120; i++) q.enqueue(st(i));
  await timers.run(200);
  assert.deepEqual(lrs.calls.map((c) => c.body.length), [50, 50, 20]);
  assert.deepEqual(lrs.calls.flatMap((c) => c.body.map((s) => s.n)), Array.from({ length: 120 }, (_, i) => i + 1));
});

test('storage that throws: the queue keeps working in memory', async () => {
  const storage = { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); }, removeItem: () => {} };
  const { q, timers, lrs, warnings } = setup({ storage });
  q.enqueue(st(1));
  assert.equal(q.pending().length, 1);
  assert.equal(warnings.length, 1);
  await timers.run(200);
  assert.equal(lrs.calls.length, 1);
  assert.deepEqual(q.pending(), []);
});

test('keepalive: what is pending goes with keepalive, stays queued until confirmed, within 64 KB', async () => {
  const { q, lrs } = setup({ answers: ['network', 200] });
  q.enqueue(st(1));
  q.enqueue(st(2));
  await q.flushKeepalive();
  assert.equal(lrs.calls[0].init.keepalive, true);
  assert.equal(q.pending().length, 2, 'no answer: still queued');
  await q.flushKeepalive();
  assert.deepEqual(q.pending(), []);
  assert.deepEqual(q.sent().map((s) => s.n), [1, 2]);

  const big = setup();
  const pad = 'x'.repeat(20 * 1024);
  for (let i = 1; i <= 5; i++) big.q.enqueue({ ...st(i), pad });
  await big.q.flushKeepalive();
  const bytes = big.lrs.calls.reduce((n, c) => n + c.init.body.length, 0);
  assert.ok(bytes <= KEEPALIVE_BYTES, `${bytes} bytes in keepalive requests`);
  assert.equal(big.q.pending().length, 5 - big.lrs.calls.reduce((n, c) => n + c.body.length, 0));
  assert.ok(big.q.pending().length > 0, 'the rest waits for the next page');
});

test('page wiring: sends on open, keepalive on pagehide (after onLeave), on hidden; flush on online', async () => {
  const listeners = {};
  const target = (name) => ({
    addEventListener: (t, fn) => { listeners[`${name}:${t}`] = fn; },
    removeEventListener: (t) => { delete listeners[`${name}:${t}`]; },
  });
  const doc = { ...target('doc'), visibilityState: 'visible' };
  const win = { ...target('win'), document: doc };
  const log = [];
  const queue = { flush: () => log.push('flush'), flushKeepalive: () => log.push('keepalive') };
  const unbind = bindQueueToPage(queue, win, { onLeave: () => log.push('leave'), onReturn: () => log.push('return') });
  assert.deepEqual(log, ['flush']);
  listeners['win:pagehide']({ persisted: false });
  assert.deepEqual(log.slice(1), ['leave', 'keepalive']);
  doc.visibilityState = 'hidden';
  listeners['doc:visibilitychange']();
  listeners['win:online']();
  listeners['win:pageshow']({ persisted: true });
  assert.deepEqual(log.slice(3), ['keepalive', 'flush', 'return', 'flush']);
  unbind();
  assert.deepEqual(Object.keys(listeners), []);
});

test('a statement in a request that has not answered is not sent again meanwhile', async () => {
  let release;
  const gate = new Promise((r) => { release = r; });
  const timers = fakeTimers();
  const calls = [];
  const q = createXapiQueue({
    endpoint: ENDPOINT, actor: ACTOR, storage: memoryStorage(), now: timers.now, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout,
    fetch: async (url, init) => { calls.push(JSON.parse(init.body).map((x) => x.n)); await gate; return { status: 200, headers: { get: () => null } }; },
  });
  q.enqueue(st(1));
  const k1 = q.flushKeepalive();
  const k2 = q.flushKeepalive(); // visibilitychange hidden, then pagehide
  q.enqueue(st(2));
  await timers.run(200); // the debounced flush: only 2 is free
  assert.deepEqual(calls, [[1], [2]]);
  release();
  await Promise.all([k1, k2]);
  await settle();
  assert.deepEqual(q.pending(), []);
  assert.deepEqual(q.sent().map((s) => s.n).sort(), [1, 2]);
});
