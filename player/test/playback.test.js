// A lesson's playback: the video object, refreshes, the navigation guard, what is missing; fresh media URLs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  policyOf, playbackVideo, resumePosition, sourceChange, refreshDelay, createNavigationGuard, missingForCompletion, REFUSALS,
} from '../src/lib/playback.js';
import { createCheckpointPlan } from '../src/lib/checkpoints.js';
import { createUrlRewriter, playToken, gatedGroups, variantUrls } from '../src/lib/player/mediaurls.js';
import { speedItems, stepSpeed, capSpeed } from '../src/lib/player/speed.js';

const PB = {
  course_id: 'c1', lesson_id: 'l1', video_id: 'v1',
  hls: 'http://lectern.test/play/tok1/master.m3u8', dash: 'http://lectern.test/play/tok1/manifest.mpd',
  thumbnails: null, poster: 'http://cdn.test/p.jpg', duration: 62.5, unlocked_until: 20, expires_at: '2026-12-02T17:10:00Z', refresh_after: 240,
  policy: { navigation: 'no_skip_ahead', max_speed: 1.5, completion_threshold: 0.9, mastery_score: 0.8 },
  watched: [[0, 12.5], [14, 20]], furthest: 20, position: 18.2, completed: false, checkpoints: [],
};

test('policy and video object', () => {
  assert.deepEqual(policyOf(PB), { navigation: 'no_skip_ahead', maxSpeed: 1.5, threshold: 0.9, masteryScore: 0.8 });
  assert.deepEqual(policyOf({}), { navigation: 'free', maxSpeed: Infinity, threshold: 1, masteryScore: null });
  assert.equal(policyOf({ policy: { navigation: 'nope', max_speed: 0 } }).navigation, 'free');
  assert.deepEqual(playbackVideo(PB, 'Intro'), {
    id: 'v1', status: 'ready', title: 'Intro', hls: PB.hls, dash: PB.dash, thumbnails: null, poster: PB.poster, duration: 62.5, unlocked_until: 20,
  });
  assert.equal(playbackVideo({ ...PB, unlocked_until: 99 }).unlocked_until, 62.5, 'never past the end');
  assert.equal(playbackVideo({ ...PB, unlocked_until: null }).unlocked_until, 62.5);
});

test('resume position', () => {
  assert.equal(resumePosition(PB), 18.2);
  assert.equal(resumePosition({ ...PB, position: 0 }), 0);
  assert.equal(resumePosition({ ...PB, position: null }), 0);
  assert.equal(resumePosition({ ...PB, position: 30 }), 20, 'within the unlocked part');
  assert.equal(resumePosition({ ...PB, position: 61.5, unlocked_until: 62.5 }), 0, 'at the end: from the start');
});

test('refresh: what changed, and when the next one is due', () => {
  const a = playbackVideo(PB);
  assert.deepEqual(sourceChange(a, a), { urls: false, grew: false });
  assert.deepEqual(sourceChange(a, playbackVideo({ ...PB, hls: PB.hls.replace('tok1', 'tok2') })), { urls: true, grew: false });
  assert.deepEqual(sourceChange(a, playbackVideo({ ...PB, unlocked_until: 45 })), { urls: false, grew: true });
  const now = Date.parse('2026-12-02T17:00:00Z');
  assert.equal(refreshDelay(PB, now), 240_000);
  assert.equal(refreshDelay({ ...PB, expires_at: '2026-12-02T17:02:00Z' }, now), 90_000, '30 s before the URLs expire');
  assert.equal(refreshDelay({ ...PB, expires_at: '2026-12-02T16:00:00Z' }, now), 5_000, 'at least 5 s');
  assert.equal(refreshDelay({}, now), 240_000);
});

test('navigation guard: free, no_skip_ahead, no_seek, permits, checkpoints', () => {
  const refusals = [];
  const plan = createCheckpointPlan([{ id: 'a', at: 30, required: true, must_pass: true, passed: false }]);
  let furthest = 20;
  const g = createNavigationGuard({ navigation: 'free', furthest: () => furthest, plan, onRefuse: (r) => refusals.push(r) });
  assert.equal(g.guard(5, 25), 25);
  assert.equal(g.guard(5, 50), 30, 'stops at the checkpoint');
  assert.equal(g.guard(50, 10), 10);

  g.setNavigation('no_skip_ahead');
  assert.equal(g.navigation, 'no_skip_ahead');
  assert.equal(g.guard(10, 2), 2, 'back: fine');
  assert.equal(g.guard(10, 20.5), 20.5, 'up to the furthest watched (+1 s)');
  assert.equal(g.guard(10, 25), null);
  assert.equal(g.guard(10, 50), null, 'clamped to the checkpoint, still past the furthest');
  furthest = 35;
  assert.equal(g.guard(10, 50), 30);
  assert.deepEqual(refusals, ['ahead', 'ahead']);

  g.setNavigation('no_seek');
  assert.equal(g.guard(10, 2), null);
  g.permit(12);
  assert.equal(g.guard(30, 12), 12, 'the server\'s jump_to');
  assert.equal(g.guard(30, 12), null, 'once');
  assert.deepEqual(refusals.slice(2), ['no_seek', 'no_seek']);
  assert.ok(REFUSALS.no_seek && REFUSALS.ahead);
  g.setNavigation('bogus');
  assert.equal(g.navigation, 'no_seek');
});

test('what the lesson still asks', () => {
  const cps = [
    { at: 20, required: true, must_pass: true, passed: false },
    { at: 65, required: true, must_pass: true, passed: false },
    { at: 30, required: true, must_pass: false, passed: false, attempts: 0 },
    { at: 40, required: false, passed: false },
  ];
  assert.deepEqual(missingForCompletion({ completed: true, progress: 0, threshold: 0.9, checkpoints: cps }), []);
  assert.deepEqual(missingForCompletion({ completed: false, progress: 0.42, threshold: 0.9, checkpoints: cps }), [
    'Watch 90% of the video (42% so far)',
    'Pass the checkpoints at 0:20, 1:05',
    'Answer the checkpoint at 0:30',
  ]);
  assert.deepEqual(missingForCompletion({ completed: false, progress: 0.95, threshold: 0.9, checkpoints: [], masteryScore: 0.8 }), ['Score at least 80% on the checkpoints']);
  assert.deepEqual(missingForCompletion({ completed: false, progress: 0.95, threshold: 0.9 }), []);
});

test('media URLs: tokens, gated groups, rewriting to the newest credentials', () => {
  assert.equal(playToken('http://x/play/abc.DEF-1/master.m3u8'), 'abc.DEF-1');
  assert.equal(playToken('http://x/media/v/e/720p/seg-00001.m4s'), '');
  const g1 = 'http://cdn.test/g/1700000060/sigA/u-1/5/media/v1/e1/';
  const g2 = 'http://cdn.test/g/1700000660/sigB/u-1/5/media/v1/e1/';
  const g3 = 'http://cdn.test/g/1700001260/sigC/u-1/12/media/v1/e1/';
  assert.deepEqual(gatedGroups(`#EXTINF:4,\n${g1}720p/seg-00001.m4s\n`), [
    { exp: 1700000060, sig: 'sigA', learner: 'u-1', limit: 5, prefix: 'media/v1/e1/', text: '/g/1700000060/sigA/u-1/5/' },
  ]);

  const rw = createUrlRewriter();
  const seg = `${g1}720p/seg-00003.m4s`;
  assert.equal(rw.rewrite(seg), seg, 'nothing learned: unchanged');
  rw.learnText(`#EXTM3U\n${g1}720p/init.mp4\n`);
  assert.equal(rw.gated(), true);
  assert.equal(rw.rewrite(seg), seg);
  rw.learnText(`<BaseURL>${g2}</BaseURL>`);
  assert.equal(rw.rewrite(seg), `${g2}720p/seg-00003.m4s`, 'a later expiry for the same learner and encode');
  rw.learnText(`${g1}x`); // older: ignored
  assert.equal(rw.rewrite(seg), `${g2}720p/seg-00003.m4s`);
  rw.learnText(g3);
  assert.equal(rw.rewrite(seg), `${g3}720p/seg-00003.m4s`, 'a larger limit covers the smaller');
  const other = 'http://cdn.test/g/1700000060/sigZ/u-1/5/media/v1/e2/720p/seg-00003.m4s';
  assert.equal(rw.rewrite(other), other, 'another encode');
  const wider = 'http://cdn.test/g/1700000060/sigW/u-1/40/media/v1/e1/720p/seg-00030.m4s';
  assert.equal(rw.rewrite(wider), wider, 'a newer group with a smaller limit does not replace a larger one');

  rw.learnUrls('http://lectern.test/play/tok1/master.m3u8', 'http://lectern.test/play/tok2/master.m3u8');
  assert.equal(rw.rewrite('http://lectern.test/play/tok1/720p.m3u8'), 'http://lectern.test/play/tok2/720p.m3u8');
  rw.learnUrls('http://lectern.test/play/tok2/master.m3u8', 'http://lectern.test/play/tok3/master.m3u8');
  assert.equal(rw.rewrite('http://lectern.test/play/tok1/720p.m3u8'), 'http://lectern.test/play/tok3/720p.m3u8', 'chains collapse');
  assert.equal(rw.rewrite('http://lectern.test/play/tok3/720p.m3u8'), 'http://lectern.test/play/tok3/720p.m3u8');
  rw.learnUrls('http://lectern.test/play/tok3/a', 'http://lectern.test/play/tok3/a'); // same: nothing
  assert.equal(rw.rewrite('http://lectern.test/play/tok3/a'), 'http://lectern.test/play/tok3/a');
});

test('variant playlists of a master playlist', () => {
  const master = '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="audio.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n360p.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=3000000\nhttp://other.test/720p.m3u8\n';
  assert.deepEqual(variantUrls(master, 'http://lectern.test/play/tok/master.m3u8'), [
    'http://lectern.test/play/tok/audio.m3u8', 'http://lectern.test/play/tok/360p.m3u8', 'http://other.test/720p.m3u8',
  ]);
  assert.deepEqual(variantUrls('', 'http://x/'), []);
});

test('speed capped at the lesson\'s max_speed', () => {
  assert.deepEqual(speedItems(1, 1.5).map((i) => i.value), [1.5, 1.25, 1, 0.75, 0.5]);
  assert.deepEqual(speedItems(1).map((i) => i.value), [2, 1.75, 1.5, 1.25, 1, 0.75, 0.5]);
  assert.equal(stepSpeed(1.5, 1, 1.5), 1.5);
  assert.equal(stepSpeed(1.25, 1, 1.5), 1.5);
  assert.equal(stepSpeed(1.5, -1, 1.5), 1.25);
  assert.equal(capSpeed(2, 1.5), 1.5);
  assert.equal(capSpeed(1, 1.5), 1);
  assert.equal(capSpeed(3), 3);
});

test('seek bar text says where the locked part starts', async () => {
  const { seekValueText } = await import('../src/lib/player/seekbar.js');
  assert.equal(seekValueText(18, 62.5), '18 seconds of 1 minute 2 seconds');
  assert.equal(seekValueText(18, 62.5, 20), '18 seconds of 1 minute 2 seconds; locked after 20 seconds');
});

test('hls.js loader: every request rewritten, playlist texts learned, fragments not read', async () => {
  const { rewritingLoader } = await import('../src/lib/engines.js');
  const seen = [];
  class Base {
    load(context, config, callbacks) {
      seen.push(context.url);
      callbacks.onSuccess({ data: context.frag ? new ArrayBuffer(4) : '#EXTM3U playlist' }, {}, context, null);
    }
  }
  const learned = [];
  const L = rewritingLoader(Base, { rewrite: (u) => u.replace('/play/old/', '/play/new/'), learn: (t) => learned.push(t) });
  const got = [];
  const cbs = { onSuccess: (r) => got.push(r.data), onError() {}, onTimeout() {} };
  new L().load({ url: 'http://x/play/old/360p.m3u8', type: 'level' }, {}, cbs);
  new L().load({ url: 'http://x/play/old/seg.ts', frag: {} }, {}, cbs);
  assert.deepEqual(seen, ['http://x/play/new/360p.m3u8', 'http://x/play/new/seg.ts']);
  assert.deepEqual(learned, ['#EXTM3U playlist']);
  assert.equal(got.length, 2, 'the engine still gets every answer');
});
