// The player's pure parts: the event emitter, the seek path and its guard, teardown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEmitter, PLAYER_EVENTS } from '../src/lib/player/events.js';
import { createSeekPath, clampToMedia, allowAll } from '../src/lib/player/seek.js';
import { createTeardown } from '../src/lib/player/teardown.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

test('emitter: on/emit/off, order, unsubscribe', () => {
  const ev = createEmitter();
  const got = [];
  const a = (p) => got.push(['a', p]);
  const offA = ev.on('x', a);
  ev.on('x', (p) => got.push(['b', p]));
  ev.emit('x', 1);
  assert.deepEqual(got, [['a', 1], ['b', 1]]);
  offA();
  offA(); // twice is harmless
  ev.emit('x', 2);
  assert.deepEqual(got.slice(2), [['b', 2]]);
  assert.equal(ev.count('x'), 1);
  ev.on('x', a);
  ev.on('x', a);
  ev.off('x', a); // removes every registration of a
  assert.equal(ev.count('x'), 1);
  ev.emit('y', 0); // no listeners: nothing happens
  ev.clear();
  assert.equal(ev.count('x'), 0);
});

test('emitter: a throwing listener is reported and the others still run', () => {
  const errors = [];
  const ev = createEmitter({ onError: (err) => errors.push(err.message) });
  const got = [];
  ev.on('x', () => { throw new Error('boom'); });
  ev.on('x', (p) => got.push(p));
  ev.emit('x', 7);
  assert.deepEqual(got, [7]);
  assert.deepEqual(errors, ['boom']);
});

test('emitter: changes during an emit take effect from the next one', () => {
  const ev = createEmitter();
  const got = [];
  let offB;
  ev.on('x', (p) => { got.push(`a${p}`); offB(); ev.on('x', (q) => got.push(`c${q}`)); });
  offB = ev.on('x', (p) => got.push(`b${p}`));
  ev.emit('x', 1);
  assert.deepEqual(got, ['a1']); // b was removed before its turn, c was added during the emit
  ev.emit('x', 2);
  assert.deepEqual(got, ['a1', 'a2', 'c2']);
});

test('emitter: known names only, listeners must be functions', () => {
  const ev = createEmitter({ events: ['ready', 'timeupdate'] });
  assert.throws(() => ev.on('timeupdat', () => {}), /unknown player event: timeupdat/);
  assert.throws(() => ev.emit('nope'), TypeError);
  assert.throws(() => ev.off('nope', () => {}), TypeError);
  assert.throws(() => ev.on('ready', null), /function/);
});

test('the player handle\'s events', () => {
  assert.deepEqual(PLAYER_EVENTS, ['ready', 'timeupdate', 'seeking', 'seeked', 'qualitychange', 'ratechange', 'play', 'pause', 'ended', 'error']);
  const ev = createEmitter({ events: PLAYER_EVENTS });
  for (const name of PLAYER_EVENTS) ev.on(name, () => {});
  assert.throws(() => ev.on('checkpoint', () => {}), TypeError);
});

test('emitter: a latched event reaches late listeners once, asynchronously', async () => {
  const ev = createEmitter({ latched: ['ready'] });
  ev.emit('ready', { duration: 10 });
  const got = [];
  ev.on('ready', (p) => got.push(p));
  assert.deepEqual(got, []); // not from inside on()
  await tick();
  assert.deepEqual(got, [{ duration: 10 }]);
  const off = ev.on('ready', (p) => got.push(p));
  off(); // unsubscribed before the microtask: not called
  await tick();
  assert.equal(got.length, 1);
  ev.on('other', (p) => got.push(p)); // not latched: no replay
  ev.emit('other', 1);
  await tick();
  assert.deepEqual(got, [{ duration: 10 }, 1]);
  ev.clear(); // destroyed: no replay either
  ev.on('ready', (p) => got.push(p));
  await tick();
  assert.equal(got.length, 2);
});

/** A fake media element: time, duration and the seeks applied. */
function fakeMedia(duration = 100) {
  const m = { t: 0, d: duration, applied: [] };
  m.path = createSeekPath({ position: () => m.t, duration: () => m.d, apply: (t) => { m.applied.push(t); m.t = t; } });
  return m;
}

test('seek: clamped to the media, 50 ms short of the end', () => {
  assert.equal(clampToMedia(-3, 100), 0);
  assert.equal(clampToMedia(42, 100), 42);
  assert.equal(clampToMedia(500, 100), 99.95);
  assert.equal(clampToMedia(5, 0.01), 0);
  const m = fakeMedia();
  assert.equal(m.path.seek(1e9), 99.95);
  assert.equal(m.path.seek(-1), 0);
  assert.deepEqual(m.applied, [99.95, 0]);
  m.d = 0; // duration unknown: nothing happens
  assert.equal(m.path.seek(10), null);
  m.d = 100;
  assert.equal(m.path.seek(NaN), null);
  assert.deepEqual(m.applied, [99.95, 0]);
});

test('seek guard: the default allows everything', () => {
  assert.equal(allowAll(3, 40), 40);
  const m = fakeMedia();
  m.t = 12;
  assert.equal(m.path.seek(80), 80);
  assert.equal(m.t, 80);
});

test('seek guard: sees from/to, can clamp or veto, and can be removed', () => {
  const m = fakeMedia();
  const calls = [];
  const checkpoint = 30;
  // an overlay: no skipping past the checkpoint; backwards is fine
  m.path.setGuard((from, to) => {
    calls.push([from, to]);
    if (to > checkpoint + 20) return null;
    return Math.min(to, checkpoint);
  });
  m.t = 10;
  assert.equal(m.path.seek(40), 30); // clamped
  assert.equal(m.t, 30);
  assert.equal(m.path.seek(99), null); // vetoed: the media is not touched
  assert.equal(m.t, 30);
  assert.equal(m.path.seek(5), 5);
  assert.equal(m.path.seek(1e9), null); // the guard gets the target already clamped to the media
  assert.deepEqual(calls, [[10, 40], [30, 99], [30, 5], [5, 99.95]]);
  assert.deepEqual(m.applied, [30, 5]);

  m.path.setGuard(() => 1e9); // the guard's answer is clamped to the media too
  assert.equal(m.path.seek(3), 99.95);
  m.path.setGuard(() => undefined); // anything but a number refuses
  assert.equal(m.path.seek(3), null);
  m.path.setGuard(() => NaN);
  assert.equal(m.path.seek(3), null);
  m.path.setGuard(null); // back to allowAll
  assert.equal(m.path.seek(3), 3);
  assert.throws(() => m.path.setGuard('no'), TypeError);
});

test('seek: from/to of the seeking and seeked events', () => {
  const m = fakeMedia();
  m.path.time(4);
  m.path.time(7.5);
  // a seek the media made by itself: from is the last time seen
  assert.deepEqual(m.path.seeking(20), { from: 7.5, to: 20 });
  m.path.time(20); // ignored while seeking
  assert.deepEqual(m.path.seeked(20), { from: 7.5, to: 20 });
  m.path.time(21);
  // a seek through the path: from is the position at the call
  m.t = 21.2;
  m.path.seek(50);
  assert.deepEqual(m.path.seeking(50), { from: 21.2, to: 50 });
  // a second seek before the first one finished keeps the first from
  m.path.seek(60);
  assert.deepEqual(m.path.seeking(60), { from: 21.2, to: 60 });
  assert.deepEqual(m.path.seeked(60), { from: 21.2, to: 60 });
  // a seeked without a seeking (not expected, but harmless)
  assert.deepEqual(m.path.seeked(61), { from: 60, to: 61 });
});

test('teardown: listeners removed, clean-ups run once in reverse order', () => {
  const target = new EventTarget();
  const got = [];
  const td = createTeardown();
  td.listen(target, 'ping', () => got.push('ping'));
  td.add(() => got.push('first'));
  td.add(() => got.push('second'));
  target.dispatchEvent(new Event('ping'));
  td.run();
  td.run();
  target.dispatchEvent(new Event('ping'));
  assert.deepEqual(got, ['ping', 'second', 'first']);
  assert.equal(td.done, true);
  td.add(() => got.push('late')); // after teardown: runs at once
  td.listen(target, 'ping', () => got.push('late ping')); // after teardown: not added
  target.dispatchEvent(new Event('ping'));
  assert.deepEqual(got.slice(3), ['late']);

  const errors = [];
  const td2 = createTeardown((err) => errors.push(err.message));
  td2.add(() => got.push('still runs'));
  td2.add(() => { throw new Error('bad'); });
  td2.run();
  assert.deepEqual(errors, ['bad']);
  assert.equal(got[got.length - 1], 'still runs');
});
