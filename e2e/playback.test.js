// Playback in a real browser (Debian chromium via playwright-core) against a
// running Lectern stack.
//
//   LECTERN_E2E_VIDEO_JSON=/path/video.json LECTERN_ADMIN_TOKEN=… npm test
//
// video.json is written by the CLI for a video that is ready:
//   {"id": "...", "hls": ".../master.m3u8", "dash": ".../manifest.mpd", "player": "http://127.0.0.1:8080/watch/<id>"}
// Without the variable the tests are skipped. Screenshots of failures go to e2e/out/.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './lib/browser.js';
import { config, signInContext } from './lib/lectern.js';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, 'out');
const jsonPath = process.env.LECTERN_E2E_VIDEO_JSON;
// The watch page asks GET /api/v1/videos/{id}, which needs a credential: each
// context carries the admin token as its session cookie (as after signing in).
const cfg = config();
const skip = cfg.skip;
const video = jsonPath && !skip ? JSON.parse(readFileSync(jsonPath, 'utf8')) : null;

const LOAD_MS = 30_000;     // page + engine + first frames
const PLAY_MS = 30_000;     // currentTime past 2 s
const TOP_MS = 30_000;      // ABR reaches the highest rendition on loopback
const DROP_MS = 60_000;     // ABR leaves the highest rendition once throttled
const THROTTLE_KBIT = 200;

function playerUrl(params) {
  const u = new URL(new URL(video.player).pathname, cfg.base);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.href;
}

/** Poll fn in the page until it returns a truthy value; bounded by timeoutMs. */
async function poll(page, fn, arg, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await page.evaluate(fn, arg);
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${await snapshot(page)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** What the player says about itself, for failure messages. */
async function snapshot(page) {
  try {
    return JSON.stringify(await page.evaluate(() => {
      const p = window.lecternPlayer;
      const el = document.getElementById('player');
      const status = document.getElementById('status');
      return {
        url: location.href,
        state: el && el.dataset.state,
        status: status && !status.hidden ? status.textContent.replace(/\s+/g, ' ').trim() : null,
        engine: p && p.engine,
        currentTime: p && p.video.currentTime,
        paused: p && p.video.paused,
        readyState: p && p.video.readyState,
        mediaError: p && p.video.error && p.video.error.code,
        levels: p && p.levels(),
        currentLevel: p && p.currentLevel(),
        switches: p && p.switches,
        errors: p && p.errors,
      };
    }), null, 1);
  } catch (err) {
    return `(no snapshot: ${err.message})`;
  }
}

describe('playback', () => {
  let browser;
  before(async () => {
    if (!skip) browser = await launch();
  });
  after(async () => {
    if (browser) await browser.close();
  });

  /** Fresh context + page per test, with page errors collected and a screenshot on failure. */
  async function withPage(name, fn) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await signInContext(context, cfg);
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    try {
      await fn(page, pageErrors);
    } catch (err) {
      mkdirSync(OUT, { recursive: true });
      const shot = join(OUT, `${name}.png`);
      await page.screenshot({ path: shot }).catch(() => {});
      err.message += `\nscreenshot: ${shot}`;
      throw err;
    } finally {
      await context.close();
    }
  }

  async function assertNoPlayerError(page, pageErrors) {
    const s = await page.evaluate(() => ({
      errors: window.lecternPlayer ? window.lecternPlayer.errors.slice() : [],
      state: document.getElementById('player').dataset.state,
      mediaError: window.lecternPlayer && window.lecternPlayer.video.error ? window.lecternPlayer.video.error.code : null,
    }));
    assert.deepEqual(s.errors, [], 'player reported errors');
    assert.equal(s.mediaError, null, 'media element error');
    assert.notEqual(s.state, 'error', 'player shows its error overlay');
    assert.deepEqual(pageErrors, [], 'uncaught page errors');
  }

  for (const format of ['hls', 'dash']) {
    test(`plays ${format.toUpperCase()}`, { skip }, async () => {
      await withPage(`play-${format}`, async (page, pageErrors) => {
        await page.goto(playerUrl({ format, autoplay: '1' }), { timeout: LOAD_MS });
        await poll(page, () => !!window.lecternPlayer, null, LOAD_MS, 'window.lecternPlayer');
        assert.equal(await page.evaluate(() => window.lecternPlayer.engine), format);
        await poll(page, () => window.lecternPlayer.video.currentTime > 2 || (window.lecternPlayer.errors.length ? 'error' : 0),
          null, PLAY_MS, 'video.currentTime > 2 s');
        await assertNoPlayerError(page, pageErrors);
        const levels = await page.evaluate(() => window.lecternPlayer.levels());
        assert.ok(levels.length >= 1, 'no renditions listed');
        const cur = await page.evaluate(() => window.lecternPlayer.currentLevel());
        assert.ok(cur && cur.height > 0, `no current rendition: ${JSON.stringify(cur)}`);
      });
    });
  }

  test('a signed-out visitor is sent to sign in, with next= the video', { skip }, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      const watch = new URL(playerUrl({}));
      await page.goto(watch.href, { timeout: LOAD_MS });
      await page.waitForURL((u) => u.pathname === '/login', { timeout: LOAD_MS });
      assert.equal(new URL(page.url()).searchParams.get('next'), watch.pathname);
    } finally {
      await context.close();
    }
  });

  test('HLS adapts down when the network is throttled', { skip }, async (t) => {
    await withPage('abr-throttle', async (page, pageErrors) => {
      await page.goto(playerUrl({ format: 'hls', autoplay: '1', abr: 'test' }), { timeout: LOAD_MS });
      await poll(page, () => !!window.lecternPlayer && window.lecternPlayer.video.currentTime > 0.5, null, LOAD_MS + PLAY_MS, 'playback to start');
      const levels = await page.evaluate(() => window.lecternPlayer.levels());
      const heights = [...new Set(levels.map((l) => l.height))];
      if (heights.length < 2) {
        t.skip(`the ladder has one rendition (${JSON.stringify(levels)}); nothing to adapt between`);
        return;
      }
      const top = Math.max(...heights);
      // Unthrottled on loopback the ABR settles on the highest rendition first.
      await poll(page, (h) => { const c = window.lecternPlayer.currentLevel(); return c && c.height === h; }, top, TOP_MS, `the ${top}p rendition to play`);

      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      const bytesPerSecond = (THROTTLE_KBIT * 1000) / 8;
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 50,
        downloadThroughput: bytesPerSecond,
        uploadThroughput: bytesPerSecond,
      });
      const throttledAt = Date.now();
      const dropped = await poll(page, (h) => {
        const c = window.lecternPlayer.currentLevel();
        return c && c.height < h ? c : null;
      }, top, DROP_MS, `the played rendition to drop below ${top}p at ${THROTTLE_KBIT} kbit/s`);
      t.diagnostic(`dropped to ${dropped.height}p ${Math.round((Date.now() - throttledAt) / 1000)} s after throttling`);
      const switches = await page.evaluate(() => window.lecternPlayer.switches.slice());
      assert.ok(switches.some((s) => s.height < top), `no downward switch logged: ${JSON.stringify(switches)}`);
      await assertNoPlayerError(page, pageErrors);
    });
  });
});
