// Pure logic pulled out of the player: engine/manifest choice, status texts, the
// loading loop, speeds, the quality menu, saved preferences, shortcuts, previews.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../src/lib/api.js';
import { pickStream } from '../src/lib/player/stream.js';
import { describeStatus } from '../src/lib/player/status.js';
import { waitUntilReady, POLL_MS } from '../src/lib/player/loading.js';
import { SPEEDS, speedItems, stepSpeed } from '../src/lib/player/speed.js';
import { qualityView, qualityNote } from '../src/lib/player/quality.js';
import { savePref, loadPref, savedPlayback } from '../src/lib/player/prefs.js';
import { keyAction, isTextField } from '../src/lib/player/keyboard.js';
import { spriteFrame } from '../src/lib/player/thumbnails.js';
import { bufferedEnd, previewLeft } from '../src/lib/player/seekbar.js';
import { publishDebugSurface, levelInfo } from '../src/lib/player/debug_surface.js';

const mse = { MediaSource: function MediaSource() {} };
const desktop = { canPlayType: () => '' };
const iphone = { canPlayType: (t) => (t === 'application/vnd.apple.mpegurl' ? 'maybe' : '') };

test('stream: engine and manifest for the video', () => {
  const both = { hls: 'h.m3u8', dash: 'd.mpd' };
  assert.deepEqual(pickStream(desktop, '', both, mse), { kind: 'hls', url: 'h.m3u8' });
  assert.deepEqual(pickStream(desktop, 'dash', both, mse), { kind: 'dash', url: 'd.mpd' });
  assert.deepEqual(pickStream(iphone, '', both, {}), { kind: 'native', url: 'h.m3u8' });
  // only DASH: played with dash.js even where HLS was the pick (or forced)
  assert.deepEqual(pickStream(desktop, '', { dash: 'd.mpd' }, mse), { kind: 'dash', url: 'd.mpd' });
  assert.deepEqual(pickStream(iphone, 'native', { dash: 'd.mpd' }, {}), { kind: 'dash', url: 'd.mpd' });
  // only HLS: dash.js is not used unless ?format=dash insists
  assert.deepEqual(pickStream(desktop, '', { hls: 'h.m3u8' }, {}), { kind: 'hls', url: 'h.m3u8' });
  assert.deepEqual(pickStream(desktop, 'dash', { hls: 'h.m3u8' }, mse), { kind: 'dash', url: '' });
  assert.deepEqual(pickStream(desktop, '', {}, mse), { kind: 'hls', url: '' });
});

test('status: what a video that is not ready shows', () => {
  assert.deepEqual(describeStatus({ status: 'queued' }), { kind: 'processing', title: 'Waiting to be processed…', detail: 'This page updates by itself.', progress: 0 });
  const p = describeStatus({ status: 'processing', job: { progress: 41.6, stage: 'encoding' } });
  assert.equal(p.title, 'Processing… 42%');
  assert.match(p.detail, /prepared for streaming \(encoding\)\./);
  assert.equal(p.progress, 42);
  const s = describeStatus({ status: 'processing', job: { stage: 'starting' } });
  assert.equal(s.title, 'Processing…');
  assert.doesNotMatch(s.detail, /\(/);
  assert.equal(s.progress, 0);
  assert.equal(describeStatus({ status: 'uploading' }).progress, null);
  assert.deepEqual(describeStatus({ status: 'failed', job: { error: 'bad codec' } }), { kind: 'error', title: 'Processing failed', detail: 'bad codec', progress: null });
  assert.equal(describeStatus({ status: 'failed' }).detail, 'The video could not be processed.');
  assert.equal(describeStatus({ status: 'canceled', error: 'by admin' }).detail, 'by admin');
  assert.equal(describeStatus({ status: 'weird' }).title, 'Status: weird');
});

/** Run waitUntilReady against a scripted list of answers (objects or errors). */
async function runLoad(answers, extra = {}) {
  const log = [];
  const calls = [];
  const v = await waitUntilReady('vid', {
    load: async (id) => {
      calls.push(id);
      const a = answers.shift();
      if (a instanceof Error) throw a;
      return a;
    },
    sleep: async (ms) => { log.push(['sleep', ms]); },
    show: (kind, title, detail, progress) => log.push(['show', kind, title, detail, progress]),
    fail: (title, detail) => log.push(['fail', title, detail]),
    onVideo: (meta) => log.push(['video', meta.status]),
    ...extra,
  });
  return { v, log, calls };
}

test('loading: polls until ready, showing progress', async () => {
  const { v, log, calls } = await runLoad([
    { status: 'queued' },
    { status: 'processing', job: { progress: 50 } },
    { status: 'ready', title: 't' },
  ]);
  assert.equal(v.status, 'ready');
  assert.deepEqual(calls, ['vid', 'vid', 'vid']);
  assert.deepEqual(log, [
    ['video', 'queued'], ['show', 'processing', 'Waiting to be processed…', 'This page updates by itself.', 0], ['sleep', POLL_MS],
    ['video', 'processing'], ['show', 'processing', 'Processing… 50%', 'The video is being prepared for streaming. This page updates by itself.', 50], ['sleep', POLL_MS],
    ['video', 'ready'],
  ]);
});

test('loading: network trouble retries with growing waits, then says so', async () => {
  const net = () => new ApiError(0, 'network', 'Network error.');
  const { v, log } = await runLoad([net(), net(), net(), new ApiError(503, 'unavailable', 'down'), { status: 'ready' }]);
  assert.equal(v.status, 'ready');
  assert.deepEqual(log.filter((l) => l[0] !== 'video'), [
    ['show', 'loading', 'Loading…', '', undefined], ['sleep', 2000],
    ['show', 'loading', 'Loading…', '', undefined], ['sleep', 4000],
    ['show', 'error', 'Cannot reach Lectern', 'Network error. Retrying…', undefined], ['sleep', 6000],
    ['show', 'error', 'Cannot reach Lectern', 'down Retrying…', undefined], ['sleep', 8000],
  ]);
  const many = await runLoad([...Array.from({ length: 7 }, net), { status: 'ready' }]);
  assert.equal(Math.max(...many.log.filter((l) => l[0] === 'sleep').map((l) => l[1])), 10000);
});

test('loading: 4xx and failed videos give up with a message', async () => {
  let r = await runLoad([new ApiError(404, 'not_found', 'no such video')]);
  assert.equal(r.v, null);
  assert.deepEqual(r.log, [['fail', 'Video not found', 'no such video']]);
  r = await runLoad([new ApiError(403, 'forbidden', 'not yours')]);
  assert.deepEqual(r.log, [['fail', 'This video cannot be shown', 'not yours']]);
  r = await runLoad([new ApiError(401, 'unauthorized', 'sign in')]); // no onUnauthorized: just cannot be shown
  assert.deepEqual(r.log, [['fail', 'This video cannot be shown', 'sign in']]);
  const seen = [];
  r = await runLoad([new ApiError(401, 'unauthorized', 'sign in')], { onUnauthorized: (err) => seen.push(err.status) });
  assert.deepEqual(r.log, [['fail', 'Please sign in', 'sign in']]);
  assert.deepEqual(seen, [401]);
  r = await runLoad([new ApiError(429, 'slow_down', 'later'), { status: 'ready' }]); // 408/429 are retried
  assert.equal(r.v.status, 'ready');
  r = await runLoad([{ status: 'failed', job: { error: 'boom' } }]);
  assert.equal(r.v, null);
  assert.deepEqual(r.log, [['video', 'failed'], ['fail', 'Processing failed', 'boom']]);
});

test('loading: stops quietly once the player is destroyed', async () => {
  let stopped = false;
  const r = await runLoad([{ status: 'queued' }, { status: 'ready' }], {
    sleep: async () => { stopped = true; },
    stopped: () => stopped,
  });
  assert.equal(r.v, null);
  assert.equal(r.calls.length, 1);
});

test('speeds: menu items and steps', () => {
  assert.deepEqual(speedItems(1.5).map((i) => i.label), ['2×', '1.75×', '1.5×', '1.25×', 'Normal', '0.75×', '0.5×']);
  assert.deepEqual(speedItems(1.5).filter((i) => i.checked).map((i) => i.value), [1.5]);
  assert.equal(stepSpeed(1, 1), 1.25);
  assert.equal(stepSpeed(2, 1), 2);
  assert.equal(stepSpeed(0.5, -1), 0.5);
  assert.equal(stepSpeed(1.1, -1), 0.75); // off the list: from 1×
  assert.equal(SPEEDS.length, 7);
});

test('quality: button label, aria label and menu items', () => {
  const levels = [
    { index: 0, height: 360, bitrate: 800000 },
    { index: 1, height: 720, bitrate: 2900000 },
    { index: 2, height: 720, bitrate: 4000000 },
  ];
  const auto = qualityView(levels, true, levels[1]);
  assert.equal(auto.label, 'Auto · 720p');
  assert.equal(auto.ariaLabel, 'Quality: Auto 720p');
  assert.deepEqual(auto.items.map((i) => [i.label, i.value, i.checked]), [
    ['Auto', -1, true], ['720p · 4.0 Mbps', 2, false], ['720p · 2.9 Mbps', 1, false], ['360p · 800 kbps', 0, false],
  ]);
  assert.equal(auto.items[0].hint, '720p');
  const pinned = qualityView(levels, false, levels[0]);
  assert.equal(pinned.label, '360p');
  assert.match(pinned.ariaLabel, /^Quality: +360p$/); // (two spaces today, as before the split)
  assert.deepEqual(pinned.items.filter((i) => i.checked).map((i) => i.value), [0]);
  assert.equal(pinned.items[0].hint, '');
  const unknown = qualityView(levels, true, null);
  assert.equal(unknown.label, 'Auto');
  assert.equal(unknown.ariaLabel, 'Quality: Auto');
  assert.equal(qualityView(levels, false, null).label, '360p'); // nothing on screen yet: the first level
  assert.equal(qualityNote(levels, -1), 'Quality: Auto');
  assert.equal(qualityNote(levels, 1), 'Quality: 720p');
});

test('preferences: saved under lectern.player.*, bad or missing values ignored', () => {
  const data = new Map();
  const storage = { getItem: (k) => (data.has(k) ? data.get(k) : null), setItem: (k, v) => data.set(k, v) };
  assert.deepEqual(savedPlayback(false, storage), { volume: null, muted: false, speed: null });
  savePref('volume', 0.4, storage);
  savePref('muted', true, storage);
  savePref('speed', 1.5, storage);
  assert.equal(data.get('lectern.player.volume'), '0.4');
  assert.deepEqual(savedPlayback(false, storage), { volume: 0.4, muted: true, speed: 1.5 });
  assert.equal(savedPlayback(true, storage).muted, false); // autoplay starts muted on its own terms
  savePref('volume', 7, storage);
  savePref('speed', 1.1, storage);
  assert.deepEqual(savedPlayback(false, storage), { volume: 1, muted: true, speed: null });
  const broken = { getItem() { throw new Error('denied'); }, setItem() { throw new Error('denied'); } };
  savePref('volume', 1, broken);
  assert.equal(loadPref('volume', broken), null);
  assert.equal(loadPref('volume'), null); // node: no localStorage at all
});

test('keyboard: which key does what, and where', () => {
  assert.deepEqual(keyAction('k'), { type: 'toggle' });
  assert.deepEqual(keyAction(' '), { type: 'toggle' });
  assert.equal(keyAction(' ', { onButton: true }), null);
  assert.deepEqual(keyAction('ArrowRight'), { type: 'seekBy', delta: 5 });
  assert.equal(keyAction('ArrowRight', { onRange: true }), null);
  assert.deepEqual(keyAction('J'), { type: 'seekBy', delta: -10 });
  assert.deepEqual(keyAction('ArrowUp'), { type: 'volume', dir: 1 });
  assert.equal(keyAction('ArrowDown', { onRange: true }), null);
  assert.deepEqual(keyAction('M'), { type: 'mute' });
  assert.deepEqual(keyAction('f'), { type: 'fullscreen' });
  assert.deepEqual(keyAction('<'), { type: 'speed', dir: -1 });
  assert.equal(keyAction('Home'), null); // focus elsewhere on the page
  assert.deepEqual(keyAction('Home', { onPage: true }), { type: 'seekTo', t: 0 });
  assert.deepEqual(keyAction('End', { onSeek: true }, 300), { type: 'seekTo', t: 300 });
  assert.equal(keyAction('PageUp', {}, 300), null);
  assert.deepEqual(keyAction('PageUp', { onSeek: true }, 300), { type: 'seekBy', delta: 30 });
  assert.deepEqual(keyAction('PageDown', { onSeek: true }, 60), { type: 'seekBy', delta: -10 });
  assert.deepEqual(keyAction('7', {}, 200), { type: 'seekTo', t: 140, note: true });
  assert.equal(keyAction('x'), null);
  assert.equal(keyAction('F5'), null);
  assert.equal(isTextField({ tagName: 'INPUT', type: 'text' }), true);
  assert.equal(isTextField({ tagName: 'INPUT', type: 'range' }), false);
  assert.equal(isTextField({ tagName: 'TEXTAREA' }), true);
  assert.equal(isTextField({ tagName: 'DIV', isContentEditable: true }), true);
  assert.equal(isTextField({ tagName: 'BUTTON' }), false);
  assert.equal(isTextField(null), false);
});

test('previews: sprite region scaled to 192 px, placement kept inside the track', () => {
  const cue = { url: 'http://cdn/s"0.jpg', x: 160, y: 90, w: 160, h: 90 };
  assert.deepEqual(spriteFrame(cue, { naturalWidth: 800, naturalHeight: 180 }), {
    width: 192,
    style: { width: '192px', height: '108px', backgroundImage: 'url("http://cdn/s%220.jpg")', backgroundSize: '960px 216px', backgroundPosition: '-192px -108px' },
  });
  // sprite not loaded yet, or a whole-image cue: cover
  const f = spriteFrame(cue, undefined);
  assert.equal(f.style.backgroundSize, 'cover');
  assert.equal(f.style.backgroundPosition, 'center');
  const whole = spriteFrame({ url: 'u', x: 0, y: 0, w: 0, h: 0 }, { naturalWidth: 100, naturalHeight: 50 });
  assert.equal(whole.width, 125); // small images grow at most 1.25×
  assert.equal(whole.style.height, '63px');
  assert.equal(spriteFrame({ url: 'u', x: 0, y: 0, w: 0, h: 0 }).style.width, '192px'); // 160×90 assumed
  assert.equal(previewLeft(0.5, 1000, 192), 500);
  assert.equal(previewLeft(0, 1000, 192), 96);
  assert.equal(previewLeft(1, 1000, 0), 976); // no image: a 48 px label
  assert.equal(previewLeft(0.5, 50, 192), 96); // track narrower than the preview
});

test('buffered: the range that holds the playhead', () => {
  const ranges = (list) => ({ length: list.length, start: (i) => list[i][0], end: (i) => list[i][1] });
  assert.equal(bufferedEnd(ranges([]), 3), 0);
  assert.equal(bufferedEnd(ranges([[0, 10], [20, 30]]), 5), 10);
  assert.equal(bufferedEnd(ranges([[0, 10], [20, 30]]), 25), 30);
  assert.equal(bufferedEnd(ranges([[0, 10], [20, 30]]), 15), 0);
  assert.equal(bufferedEnd(ranges([[10.3, 12]]), 10), 12); // starts just ahead of the playhead
});

test('debug surface: window.lecternPlayer, frozen, removed by its own remover only', () => {
  const win = {};
  const video = {};
  const levels = [{ index: 0, height: 360, width: 640, bitrate: 8e5, id: 'a' }];
  const eng = { engine: 'dash', levels: () => levels, currentLevel: () => levels[0], isAuto: () => true };
  const switches = [];
  const remove = publishDebugSurface(win, eng, video, switches, []);
  const p = win.lecternPlayer;
  assert.ok(Object.isFrozen(p));
  assert.deepEqual(Object.keys(p), ['engine', 'video', 'levels', 'currentLevel', 'isAuto', 'switches', 'errors']);
  assert.equal(p.engine, 'dash');
  assert.equal(p.video, video);
  assert.deepEqual(p.levels(), [{ index: 0, height: 360, bitrate: 8e5 }]);
  assert.deepEqual(p.currentLevel(), { index: 0, height: 360, bitrate: 8e5 });
  assert.equal(p.switches, switches);
  assert.equal(levelInfo(null), null);
  const other = publishDebugSurface(win, eng, video, [], []);
  remove(); // a newer player's surface stays
  assert.ok(win.lecternPlayer);
  other();
  assert.equal('lecternPlayer' in win, false);
});
