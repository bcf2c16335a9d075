import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseThumbnailsVtt, cueAt } from '../src/lib/vtt.js';
import { partCount, partRange, pendingParts, resumeKey, backoffDelay, toHex } from '../src/lib/parts.js';
import { formatTime, formatBytes, formatRate, formatEta, levelLabel, spokenTime } from '../src/lib/format.js';
import { RateMeter } from '../src/lib/rate.js';
import { sha256Fallback, sha256Hex } from '../src/lib/sha256.js';
import { errorFrom } from '../src/lib/api.js';
import { chooseEngine } from '../src/lib/engines.js';

test('thumbnail VTT: sprite regions resolve against the VTT URL', () => {
  const vtt = 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nsprite-0.jpg#xywh=0,0,160,90\n\n' +
    '00:02.000 --> 00:04.000 align:start\nsprite-0.jpg#xywh=160,0,160,90\n\n' +
    '01:00:04.500 --> 01:00:06.000\n\nimg/full.jpg\n';
  const cues = parseThumbnailsVtt(vtt, 'http://cdn.test/media/v1/enc/thumbs.vtt');
  assert.equal(cues.length, 3);
  assert.deepEqual(cues[1], { start: 2, end: 4, url: 'http://cdn.test/media/v1/enc/sprite-0.jpg', x: 160, y: 0, w: 160, h: 90 });
  assert.equal(cues[2].start, 3604.5);
  assert.equal(cues[2].url, 'http://cdn.test/media/v1/enc/img/full.jpg');
  assert.equal(cues[2].w, 0);
  assert.equal(cueAt(cues, 3).x, 160);
  assert.equal(cueAt(cues, 0).x, 0);
  assert.equal(cueAt(cues, 99999).url, cues[2].url);
  assert.throws(() => parseThumbnailsVtt('nope', 'http://x/'));
});

test('part arithmetic matches the upload API', () => {
  assert.equal(partCount(10, 4), 3);
  assert.equal(partCount(8, 4), 2);
  assert.equal(partCount(0, 4), 1);
  assert.deepEqual(partRange(3, 4, 10), { start: 8, end: 10, size: 2 });
  const up = { size: 10, chunk_size: 4, parts_total: 3, received: [{ part: 1, size: 4 }, { part: 3, size: 1 }] };
  // part 3 is short on the server: it is sent again
  assert.deepEqual(pendingParts(up), { todo: [2, 3], doneBytes: 4, total: 3 });
  assert.deepEqual(pendingParts({ size: 10, chunk_size: 4, received: [{ part: 1, size: 4 }, { part: 2, size: 4 }, { part: 3, size: 2 }] }).todo, []);
  assert.equal(resumeKey({ name: 'a.mp4', size: 5, lastModified: 7 }), 'lectern.upload:a.mp4|5|7');
});

test('backoff grows, is capped and jittered', () => {
  assert.equal(backoffDelay(1, 1000, 30000, () => 0), 500);
  assert.equal(backoffDelay(1, 1000, 30000, () => 1), 1000);
  assert.equal(backoffDelay(4, 1000, 30000, () => 1), 8000);
  assert.equal(backoffDelay(20, 1000, 30000, () => 1), 30000);
});

test('formatting', () => {
  assert.equal(formatTime(75.4), '1:15');
  assert.equal(formatTime(3725), '1:02:05');
  assert.equal(formatTime(NaN), '0:00');
  assert.equal(spokenTime(61), '1 minute 1 second');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GB');
  assert.equal(formatRate(2.5 * 1024 * 1024), '2.5 MB/s');
  assert.equal(formatRate(0), '—');
  assert.equal(formatEta(30.2), '31 s left');
  assert.equal(formatEta(7200), '2 h 0 min left');
  assert.equal(levelLabel({ index: 2, height: 720, bitrate: 2_900_000 }), '720p · 2.9 Mbps');
  assert.equal(levelLabel({ index: 0, height: 180, bitrate: 351_169 }), '180p · 351 kbps');
});

test('rate meter smooths towards the true rate', () => {
  const m = new RateMeter(2000);
  let bytes = 0;
  m.update(0, 0);
  for (let t = 500; t <= 20000; t += 500) {
    bytes += 500_000; // 1 MB/s
    m.update(bytes, t);
  }
  assert.ok(Math.abs(m.rate - 1_000_000) < 1000, String(m.rate));
});

test('SHA-256 fallback agrees with node crypto', async () => {
  for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
    const buf = new Uint8Array(n);
    for (let i = 0; i < n; i++) buf[i] = (i * 31 + 7) & 0xff;
    const want = createHash('sha256').update(buf).digest('hex');
    assert.equal(toHex(sha256Fallback(buf)), want, `length ${n}`);
    assert.equal(await sha256Hex(buf.buffer), want);
  }
});

test('API errors are readable', () => {
  const e = errorFrom(422, { error: { code: 'checksum_mismatch', message: 'part 3: sha256 mismatch' } });
  assert.equal(e.message, 'part 3: sha256 mismatch');
  assert.equal(e.code, 'checksum_mismatch');
  assert.equal(e.status, 422);
  assert.equal(errorFrom(502, '<html>bad gateway</html>', 'Bad Gateway').message, '502 Bad Gateway');
});

test('engine choice', () => {
  const v = (native) => ({ canPlayType: (t) => (native && t === 'application/vnd.apple.mpegurl' ? 'maybe' : '') });
  assert.equal(chooseEngine(v(true), '', {}), 'native'); // iPhone: native HLS, no MSE
  assert.equal(chooseEngine(v(false), '', { MediaSource: function () {} }), 'hls');
  assert.equal(chooseEngine(v(true), '', { ManagedMediaSource: function () {} }), 'hls');
  assert.equal(chooseEngine(v(false), 'dash', { MediaSource: function () {} }), 'dash');
  assert.equal(chooseEngine(v(false), 'bogus', {}), 'dash');
});
