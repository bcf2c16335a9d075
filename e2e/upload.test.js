// The upload page (/upload) in a real browser (Debian chromium via
// playwright-core) against a running Lectern stack:
//
//   1. a ~38 MiB clip made with ffmpeg (three parts of the server's 16 MiB
//      chunks) is chosen on the page; parts 2 and 3 are blocked through DevTools,
//      so only part 1 reaches the server;
//   2. while part 1 moves, the progress line shows bytes, a rate and an ETA;
//   3. the page is reloaded mid-upload (it asks before leaving) and the same file
//      chosen again: the page says "Resuming: 1 of 3 parts already uploaded",
//      sends only parts 2 and 3 to the SAME upload (one POST /api/v1/uploads in
//      all) and GET /api/v1/uploads/<id> shows it gaining them and completing;
//   4. the page follows encoding until the video is ready; its "Watch now" link
//      opens /watch/<id> and the video plays past 1 s.
//
//   LECTERN_E2E_VIDEO_JSON=/path/video.json LECTERN_ADMIN_TOKEN=… node --test upload.test.js
//
// The API address is LECTERN_PUBLIC_URL, else the origin of the "player" URL in
// video.json (written by the CLI, see deploy/local/e2e.sh); the token is LECTERN_ADMIN_TOKEN (or
// $LECTERN_DATA_DIR/admin-token). Without them the test is skipped. A failure
// leaves a screenshot in e2e/out/upload.png.
//
// Cost note: whenever DevTools' Network domain is on (playwright-core always
// turns it on), chromium copies every XHR body that is a plain ArrayBuffer into
// the request event — 16 MiB per part, ~1–4 s of CPU each on a small machine.
// Hence Network.setBlockedURLs rather than page.route (interception would copy
// every body once more) and as few part requests as the scenario allows.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { launch } from './lib/browser.js';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, 'out');

const PARTS = 3;
const MiB = 1024 * 1024;
const CLIP_SECONDS = 20;
const FILE_NAME = 'resumable-lecture.mp4';
// Upload bandwidth of the page (DevTools throttling). Chromium's throttle holds a
// part back rather than trickling it, so what this buys is time: part 1 cannot
// complete before the page's rate meter has taken its first sample (500 ms after
// Upload), which is what makes a rate (and so an ETA) appear at all on loopback.
const UPLOAD_BYTES_PER_S = 8 * MiB;

const TEST_MS = 10 * 60_000; // the whole test, whatever happens
const FFMPEG_MS = 120_000;   // generating the clip
const API_MS = 10_000;       // one API request from node
const PAGE_MS = 30_000;      // a page load, an element to appear
const PART1_MS = 90_000;     // part 1 stored (and shown) while parts 2 and 3 are blocked
const UPLOAD_MS = 120_000;   // the resumed upload to complete
const ENCODE_MS = 300_000;   // the worker to encode and publish the clip (2 cores, maybe busy)
const PLAY_MS = 30_000;      // playback to pass 1 s

// ---------------------------------------------------------------- configuration
function config() {
  const jsonPath = process.env.LECTERN_E2E_VIDEO_JSON;
  if (!jsonPath) return { skip: 'LECTERN_E2E_VIDEO_JSON is not set (path to the {id,hls,dash,player} JSON written by the CLI)' };
  const video = JSON.parse(readFileSync(jsonPath, 'utf8'));
  let base = null;
  if (process.env.LECTERN_PUBLIC_URL) base = new URL(process.env.LECTERN_PUBLIC_URL).origin;
  if (!base) { try { base = new URL(video.player).origin; } catch { /* fall back below */ } }
  if (!base && process.env.LECTERN_HTTP_ADDR) base = `http://${process.env.LECTERN_HTTP_ADDR}`;
  if (!base) return { skip: `no API address: ${jsonPath} has no "player" URL and LECTERN_PUBLIC_URL is not set` };
  let token = (process.env.LECTERN_ADMIN_TOKEN || '').trim();
  const tokenFile = process.env.LECTERN_DATA_DIR && join(process.env.LECTERN_DATA_DIR, 'admin-token');
  if (!token && tokenFile && existsSync(tokenFile)) token = readFileSync(tokenFile, 'utf8').trim();
  if (!token) return { skip: 'LECTERN_ADMIN_TOKEN is not set (load the stack\'s env file: set -a; . .data/env; set +a)' };
  return { skip: false, base, token };
}
const cfg = config();

// ---------------------------------------------------------------- helpers
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll fn (async, node side) until it returns a truthy value; bounded by timeoutMs. */
async function waitFor(fn, timeoutMs, what, describeLast = async () => '', everyMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${await describeLast()}`);
    await sleep(everyMs);
  }
}

/** The Lectern API from node, with the admin token and a bound on every request. */
async function api(path, { method = 'GET', expect = [200] } = {}) {
  const res = await fetch(cfg.base + path, {
    method,
    headers: { Authorization: `Bearer ${cfg.token}`, Accept: 'application/json' },
    signal: AbortSignal.timeout(API_MS),
  });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

const partNumbers = (upload) => (upload.received || []).map((p) => Number(p.part)).sort((a, b) => a - b);

/** What the upload page shows, for assertions and failure messages. */
function pageState(page) {
  return page.evaluate(() => {
    const $ = (id) => document.getElementById(id);
    const text = (id) => ($(id) ? $(id).textContent.replace(/\s+/g, ' ').trim() : null);
    const shown = (id) => !!$(id) && !$(id).hidden;
    return {
      url: location.pathname,
      fileInfo: text('file-info'),
      progressShown: shown('progress-card'),
      bytes: text('stat-bytes'),
      rate: text('stat-rate'),
      eta: text('stat-eta'),
      uploadStatus: text('upload-status'),
      videoShown: shown('video-card'),
      videoTitle: text('video-title'),
      videoStatus: text('video-status'),
      watchHref: shown('watch-link') ? $('watch-link').getAttribute('href') : null,
      saved: shown('saved') ? text('saved-list') : null,
      error: shown('error') ? text('error') : null,
    };
  }).catch((err) => ({ unavailable: err.message }));
}

// "12.3 MB of 38.4 MB", "7.9 MB/s", "3 s left" (player/src/lib/format.js)
const BYTES_RE = /^(\d+(?:\.\d)?) (B|KB|MB|GB) of (\d+(?:\.\d)?) (B|KB|MB|GB)$/;
const RATE_RE = /^\d+(?:\.\d)? (KB|MB)\/s$/;
const ETA_RE = /^(almost done|\d+ s left|\d+ min left|\d+ h \d+ min left)$/;
const UNIT = { B: 1, KB: 1024, MB: MiB, GB: 1024 * MiB };

/** "16.0 MB of 38.4 MB" -> {sent, total} in bytes (to the display's precision). */
function parseBytes(s) {
  const m = BYTES_RE.exec(s || '');
  return m ? { sent: Number(m[1]) * UNIT[m[2]], total: Number(m[3]) * UNIT[m[4]] } : null;
}

/**
 * Runs in the page before its own scripts: records every distinct state of the
 * progress card (status line, bytes, rate, ETA) in window.__uploadLog, so that a
 * short-lived text such as "Resuming: …" cannot fall between two polls.
 */
function recordProgress() {
  window.__uploadLog = [];
  document.addEventListener('DOMContentLoaded', () => {
    const card = document.getElementById('progress-card');
    if (!card) return;
    const t = (id) => document.getElementById(id).textContent.replace(/\s+/g, ' ').trim();
    let last = '';
    new MutationObserver(() => {
      const s = { status: t('upload-status'), bytes: t('stat-bytes'), rate: t('stat-rate'), eta: t('stat-eta') };
      const key = JSON.stringify(s);
      if (key === last) return;
      last = key;
      window.__uploadLog.push({ t: Math.round(performance.now()), ...s });
    }).observe(card, { subtree: true, childList: true, characterData: true });
  });
}

const uploadLog = (page) => page.evaluate(() => window.__uploadLog || []).catch(() => []);
const showLog = (log) => log.map((e) => `${e.t} ms: ${[e.status, e.bytes, e.rate, e.eta].filter(Boolean).join(' · ')}`).join('\n  ');

/** Part numbers this document has PUT (resource timing: only requests that got a response). */
const partsSentByThisPage = (page, uploadId) => page.evaluate((id) => [...new Set(performance.getEntriesByType('resource')
  .map((e) => new URL(e.name).pathname)
  .filter((p) => p.startsWith(`/api/v1/uploads/${id}/parts/`))
  .map((p) => Number(p.split('/').pop())))].sort(), uploadId);

// ---------------------------------------------------------------- the test
describe('upload page', () => {
  let browser;
  let dir;
  let clip;

  before(async () => {
    if (cfg.skip) return;
    dir = mkdtempSync(join(tmpdir(), 'lectern-e2e-upload-'));
    // Constant bitrate (filler-padded) H.264: 20 s at 16 Mbit/s ≈ 38 MiB, i.e. three
    // 16 MiB parts, made in a second or two; a small 360p encode for the worker.
    clip = join(dir, FILE_NAME);
    await promisify(execFile)('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
      '-f', 'lavfi', '-i', `testsrc2=s=640x360:r=25:d=${CLIP_SECONDS}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:d=${CLIP_SECONDS}`,
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
      '-b:v', '16M', '-minrate', '16M', '-maxrate', '16M', '-bufsize', '8M', '-x264-params', 'nal-hrd=cbr',
      '-c:a', 'aac', '-b:a', '128k', '-shortest', '-movflags', '+faststart', clip,
    ], { timeout: FFMPEG_MS });
    browser = await launch();
  });

  after(async () => {
    if (browser) await browser.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('resumes after a reload, shows progress, and the video plays', { skip: cfg.skip, timeout: TEST_MS }, async (t) => {
    const size = statSync(clip).size;
    assert.ok(size > 2 * 16 * MiB + MiB, `the generated clip is only ${size} bytes; it must need three 16 MiB parts`);
    const started = Date.now();
    let lapAt = started;
    const lap = (what) => { const now = Date.now(); t.diagnostic(`${what}: ${((now - lapAt) / 1000).toFixed(1)} s`); lapAt = now; };

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // Signed in as the admin (session cookie): the watch page at the end needs a
    // credential; the upload itself still goes with the ?token= of the first visit.
    await context.addCookies([{ name: 'lectern_session', value: cfg.token, url: cfg.base, httpOnly: true, sameSite: 'Strict' }]);
    await context.addInitScript(recordProgress);
    const page = await context.newPage();
    page.setDefaultTimeout(PAGE_MS);
    page.setDefaultNavigationTimeout(PAGE_MS);
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    const dialogs = [];
    // Leaving mid-upload asks "leave the page?" (beforeunload): yes, like a user who reloads anyway.
    page.on('dialog', (d) => { dialogs.push(d.type()); d.accept().catch(() => {}); });
    let creates = 0; // POST /api/v1/uploads, over both page loads
    page.on('request', (req) => { if (req.method() === 'POST' && new URL(req.url()).pathname === '/api/v1/uploads') creates++; });

    let uploadId = null;
    let completed = false;
    try {
      const cdp = await context.newCDPSession(page);
      // this session need not see request bodies (see the cost note at the top)
      await cdp.send('Network.enable', { maxPostDataSize: 1024 });
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: UPLOAD_BYTES_PER_S,
      });
      // net::ERR_BLOCKED_BY_CLIENT, which the page retries like any network error
      await cdp.send('Network.setBlockedURLs', { urls: ['*/parts/2', '*/parts/3'] });

      // ------------------------------------------------ first visit: only part 1 gets through
      await page.goto(`${cfg.base}/upload?token=${encodeURIComponent(cfg.token)}`);
      assert.ok(!new URL(page.url()).searchParams.has('token'), 'the page left the token in the address bar');
      await page.setInputFiles('#file', clip);
      await page.locator('#start:not([disabled])').waitFor();
      const created = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/v1/uploads');
      await page.click('#start');
      const createRes = await created;
      assert.equal(createRes.status(), 201, `POST /api/v1/uploads: ${await createRes.text().catch(() => '')}`);
      const upload = await createRes.json();
      uploadId = upload.id;
      assert.equal(upload.size, size);
      assert.equal(upload.parts_total, PARTS,
        `expected ${PARTS} parts for ${size} bytes; the server's chunk size is ${upload.chunk_size} (LECTERN_UPLOAD_CHUNK_BYTES)`);
      t.diagnostic(`upload ${uploadId}: ${(size / MiB).toFixed(1)} MiB in ${upload.parts_total} parts of ${upload.chunk_size / MiB} MiB`);

      // The progress line while uploading: bytes, a rate and an ETA, all at once.
      const during = await waitFor(async () => {
        const s = await pageState(page);
        const b = parseBytes(s.bytes);
        return b && b.sent > 0 && b.sent < size && s.rate && s.eta ? s : null;
      }, PART1_MS, 'the progress line to show bytes, a rate and an ETA',
      async () => `${JSON.stringify(await pageState(page))}\n  ${showLog(await uploadLog(page))}`);
      assert.match(during.bytes, BYTES_RE);
      assert.match(during.rate, RATE_RE);
      assert.match(during.eta, ETA_RE);
      t.diagnostic(`progress line while uploading: ${during.bytes} · ${during.rate} · ${during.eta}`);

      const part1 = await waitFor(async () => {
        const up = await api(`/api/v1/uploads/${uploadId}`);
        return up.received && up.received.length > 0 ? up : null;
      }, PART1_MS, 'GET /api/v1/uploads/:id to list part 1',
      async () => `${JSON.stringify(await api(`/api/v1/uploads/${uploadId}`).catch((e) => e.message))}\n  ${showLog(await uploadLog(page))}`);
      assert.deepEqual(partNumbers(part1), [1], 'only part 1 can have reached the server');
      assert.equal(part1.status, 'open');
      lap('first visit, part 1 stored');

      // ------------------------------------------------ reload, choose the same file again
      // Parts 2 and 3 stay blocked until the old page is gone, so it cannot finish on its own.
      await page.reload();
      await cdp.send('Network.setBlockedURLs', { urls: [] });
      assert.ok(dialogs.includes('beforeunload'), `no "leave this page?" prompt on reloading mid-upload (dialogs: ${JSON.stringify(dialogs)})`);
      const reloaded = await pageState(page);
      assert.ok(reloaded.saved && reloaded.saved.includes(FILE_NAME), `the unfinished upload is not listed after the reload: ${JSON.stringify(reloaded)}`);
      assert.equal(reloaded.progressShown, false);
      await page.setInputFiles('#file', clip);
      await page.locator('#file-info', { hasText: 'will resume the earlier upload' }).waitFor();
      await page.locator('#start:not([disabled])').waitFor();
      await page.click('#start');

      const resumingText = `Resuming: 1 of ${PARTS} parts already uploaded`;
      await waitFor(() => page.evaluate((txt) => window.__uploadLog.some((e) => e.status === txt), resumingText),
        PAGE_MS, `the page to say "${resumingText}"`, async () => showLog(await uploadLog(page)));

      // GET /api/v1/uploads/<id>: the same upload gains the missing parts and completes.
      const states = [];
      const done = await waitFor(async () => {
        const up = await api(`/api/v1/uploads/${uploadId}`);
        const s = `${up.status} [${partNumbers(up).join(',')}]`;
        if (states[states.length - 1] !== s) states.push(s);
        return up.status === 'completed' ? up : null;
      }, UPLOAD_MS, `upload ${uploadId} to be completed`,
      async () => `${states.join(' → ')}\n  ${showLog(await uploadLog(page))}`, 200);
      completed = true;
      t.diagnostic(`upload ${uploadId} after the reload: ${states.join(' → ')}`);
      assert.deepEqual(partNumbers(done), [1, 2, 3]);
      assert.ok(done.video_id, 'the completed upload names no video');
      await page.locator('#upload-status', { hasText: 'Uploaded' }).waitFor({ timeout: UPLOAD_MS });
      assert.equal(creates, 1, `${creates} POST /api/v1/uploads over both visits; the reloaded page must resume, not start over`);
      assert.deepEqual(await partsSentByThisPage(page, uploadId), [2, 3], 'after the reload the page must send exactly the missing parts');
      lap('second visit, resumed upload completed');

      // What the progress card showed after resuming: counting from part 1's bytes, not from 0.
      const log = await uploadLog(page);
      const resumed = log.slice(log.findIndex((e) => e.status === resumingText));
      const sent = resumed.map((e) => parseBytes(e.bytes)).filter((b) => b && b.sent > 0).map((b) => b.sent);
      assert.ok(sent.length > 0, `no byte counts after resuming:\n  ${showLog(resumed)}`);
      assert.ok(Math.min(...sent) >= 15.9 * MiB, `the resumed progress started below part 1's 16 MiB:\n  ${showLog(resumed)}`);
      const live = resumed.find((e) => RATE_RE.test(e.rate) && ETA_RE.test(e.eta));
      if (live) t.diagnostic(`progress line after resuming: ${live.bytes} · ${live.rate} · ${live.eta}`);
      assert.deepEqual(pageErrors, [], 'uncaught page errors');

      // ------------------------------------------------ encoding, then "Watch now"
      const videoId = done.video_id;
      const shown = [];
      const ready = await waitFor(async () => {
        const s = await pageState(page);
        const title = (s.videoTitle || '').replace(/\d+%/, 'N%');
        if (s.videoShown && shown[shown.length - 1] !== title) shown.push(title);
        if (/failed|canceled/i.test(s.videoTitle || '')) throw new Error(`the video was not encoded: ${JSON.stringify(s)}`);
        return s.watchHref ? s : null;
      }, ENCODE_MS, 'the page to show the video as ready with a "Watch now" link',
      async () => JSON.stringify({ page: await pageState(page), video: await api(`/api/v1/videos/${videoId}`).catch((e) => e.message) }), 500);
      lap(`encoded (${shown.join(' → ')})`);
      assert.equal(ready.watchHref, `/watch/${videoId}`);
      assert.match(ready.videoTitle, /is ready$/);
      assert.equal((await api(`/api/v1/videos/${videoId}`)).status, 'ready');

      // ------------------------------------------------ follow the link, play
      await Promise.all([page.waitForURL(`**/watch/${videoId}`), page.click('#watch-link')]);
      await page.waitForFunction(() => !!window.lecternPlayer || document.getElementById('player').dataset.state === 'error');
      // the same page with autoplay=1 (muted autoplay), as playback.test.js plays
      const watch = new URL(page.url());
      watch.searchParams.set('autoplay', '1');
      await page.goto(watch.href);
      const played = await waitFor(() => page.evaluate(() => {
        const p = window.lecternPlayer;
        if (!p) return null;
        if (p.errors.length || p.video.error) return { errors: p.errors, mediaError: p.video.error && p.video.error.code };
        return p.video.currentTime > 1 ? { currentTime: p.video.currentTime, engine: p.engine, level: p.currentLevel() } : null;
      }), PAGE_MS + PLAY_MS, 'video.currentTime > 1 s on the watch page', async () => JSON.stringify(await page.evaluate(() => {
        const p = window.lecternPlayer;
        return p ? { currentTime: p.video.currentTime, paused: p.video.paused, readyState: p.video.readyState } : { state: document.getElementById('player').dataset.state };
      })));
      assert.ok(!played.errors, `the player failed: ${JSON.stringify(played)}`);
      assert.deepEqual(pageErrors, [], 'uncaught page errors');
      lap(`played to ${played.currentTime.toFixed(1)} s (${played.engine}${played.level ? `, ${played.level.height}p` : ''})`);
      t.diagnostic(`total ${((Date.now() - started) / 1000).toFixed(1)} s`);
    } catch (err) {
      mkdirSync(OUT, { recursive: true });
      const shot = join(OUT, 'upload.png');
      await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
      err.message += `\npage: ${JSON.stringify(await pageState(page))}\nscreenshot: ${shot}`;
      throw err;
    } finally {
      // don't leave an open multipart upload behind when the test stopped half-way
      if (uploadId && !completed) await api(`/api/v1/uploads/${uploadId}`, { method: 'DELETE', expect: [204, 404, 409, 410] }).catch(() => {});
      await context.close();
    }
  });
});
