import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linear, bars, linePath, ticks, timeToX, xToTime, pct } from '../src/lib/charts.js';

test('linear maps the domain onto the range, a flat domain to its start', () => {
  const s = linear(0, 10, 100, 0);
  assert.equal(s(0), 100);
  assert.equal(s(5), 50);
  assert.equal(s(10), 0);
  assert.equal(linear(3, 3, 7, 9)(3), 7);
});

test('bars are bottom-aligned and scaled to the largest value', () => {
  const b = bars([0, 2, 4], { width: 30, height: 100 });
  assert.deepEqual(b.map((r) => [r.x, r.w, r.y, r.h]), [[0, 10, 100, 0], [10, 10, 50, 50], [20, 10, 0, 100]]);
  assert.deepEqual(bars([], { width: 10, height: 10 }), []);
  // all zero: no division by zero, flat bars
  assert.deepEqual(bars([0, 0], { width: 10, height: 10 }).map((r) => r.h), [0, 0]);
  // an explicit max and a gap
  const g = bars([1], { width: 10, height: 10, max: 4, gap: 2 });
  assert.deepEqual([g[0].w, g[0].h], [8, 2.5]);
});

test('linePath spreads fractions over the width, 100% at the top, clamped', () => {
  assert.equal(linePath([1, 0.5, 0], { width: 200, height: 100 }), 'M0 0 L100 50 L200 100');
  assert.equal(linePath([2, -1], { width: 10, height: 10 }), 'M0 0 L10 10');
  assert.equal(linePath([0.25], { width: 10, height: 10 }), 'M0 7.5');
  assert.equal(linePath([], { width: 10, height: 10 }), '');
});

test('ticks use a nice step', () => {
  assert.deepEqual(ticks(10), [0, 5, 10]);
  assert.deepEqual(ticks(8), [0, 2, 4, 6, 8]);
  assert.deepEqual(ticks(0), [0]);
  assert.deepEqual(ticks(1, 4), [0, 0.5, 1]);
});

test('time and strip position convert both ways, clamped', () => {
  assert.equal(timeToX(30, 120, 400), 100);
  assert.equal(timeToX(200, 120, 400), 400);
  assert.equal(timeToX(5, 0, 400), 0);
  assert.equal(xToTime(100, 120, 400), 30);
  assert.equal(xToTime(-5, 120, 400), 0);
});

test('pct', () => {
  assert.equal(pct(0.456), '46%');
  assert.equal(pct(null), '—');
});
