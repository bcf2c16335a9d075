// A learner meets a checkpoint, in real headless chromium against a
// running Lectern (make test starts it):
//
//   LECTERN_E2E_VIDEO_JSON=/path/video.json LECTERN_ADMIN_TOKEN=… node --test checkpoint.test.js
//
// The admin token sets up a course whose video lesson (the e2e clip) has a
// required checkpoint at 6 s that must be passed and sends a wrong answer
// back to 2 s, and a policy (no skipping ahead, up to 4×, complete at 90%).
// The learner opens the lesson and plays: the player stops at the
// checkpoint with the overlay; a wrong answer, "Re-watch" goes back to 2 s;
// at the checkpoint again the right answer passes it and the media extends;
// the learner watches to the end (at 4×), and the server completes the
// lesson. Then the Video Profile statements that reached the LRS are
// checked: the verbs, one session, the registration, the extensions, and
// completed exactly once. A failure leaves e2e/out/checkpoint-*.png.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './lib/browser.js';
import { config, api, createUser } from './lib/lectern.js';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, 'out');
const cfg = config();
const AT = 6;
const V = 'https://w3id.org/xapi/video/';

describe('a checkpoint in the browser', { skip: cfg.skip }, () => {
  let browser; let context; let page; let learner; let course; let lesson; let cp;

  before(async () => {
    learner = await createUser(cfg, { prefix: 'cp-learner', roles: ['learner'] });
    const c = await api(cfg, '/api/v1/courses', { method: 'POST', body: { title: `Checkpoints ${Date.now()}` } });
    course = c.id;
    const m = await api(cfg, `/api/v1/courses/${course}/modules`, { method: 'POST', body: { title: 'Week 1' } });
    lesson = (await api(cfg, `/api/v1/courses/${course}/lessons`, { method: 'POST', body: { module_id: m.id, title: 'The lecture', kind: 'video', video_id: cfg.video.id } })).id;
    await api(cfg, `/api/v1/courses/${course}`, { method: 'PATCH', body: { status: 'published' } });
    await api(cfg, `/api/v1/courses/${course}/lessons/${lesson}/policy`, { method: 'PUT', body: { navigation: 'no_skip_ahead', max_speed: 4, completion_threshold: 0.9 } });
    cp = await api(cfg, `/api/v1/courses/${course}/lessons/${lesson}/checkpoints`, { method: 'POST', body: {
      at: AT, required: true, must_pass: true, jump_to: 2,
      questions: [{ type: 'single_choice', prompt: 'What did the slide show?', options: [
        { text: 'A cat', correct: false, feedback: 'Look again at the slide.' }, { text: 'A test pattern', correct: true }] }],
    } });
    await api(cfg, `/api/v1/courses/${course}/enrollments`, { method: 'POST', body: { user_id: learner.id } });
    const res = await fetch(`${cfg.base}/api/v1/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: learner.email, password: learner.password }) });
    assert.equal(res.status, 201);
    const session = /lectern_session=([^;]+)/.exec(res.headers.get('set-cookie'))[1];
    browser = await launch();
    context = await browser.newContext();
    await context.addCookies([{ name: 'lectern_session', value: session, url: cfg.base, httpOnly: true, sameSite: 'Strict' }]);
    page = await context.newPage();
    page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') console.log(`[page ${msg.type()}] ${msg.text()}`); });
  });

  after(async () => {
    if (browser) await browser.close();
  });

  async function shot(name) {
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, `checkpoint-${name}.png`) }).catch(() => {});
  }

  const time = () => page.evaluate(() => window.lecternPlayer.video.currentTime);
  async function play() {
    await page.evaluate(() => { const v = window.lecternPlayer.video; v.muted = true; return v.play(); });
  }

  test('stopped at the checkpoint, sent back, passed, watched to the end: the lesson completes', { timeout: 240_000 }, async (t) => {
    t.after(async () => { if (t.passed === false) await shot('fail'); });
    await page.goto(`${cfg.base}/learn/${course}/${lesson}`);
    await page.waitForFunction(() => window.lecternPlayer && window.lecternPlayer.video && window.lecternPlayer.video.readyState >= 2, null, { timeout: 45_000 });
    assert.equal(await page.locator('#mark-complete').isVisible().catch(() => false), false, 'no "Mark complete" on a video lesson');
    const tl = await page.evaluate(() => window.lecternPlayer.timeline());
    assert.equal(tl.unlockedUntil, AT, 'the player knows the locked part');
    assert.ok(await page.locator('#seek-locked').count() === 1, 'the locked part of the seek bar is drawn');

    await play();
    const overlay = page.locator('#checkpoint-overlay');
    await overlay.waitFor({ state: 'visible', timeout: 45_000 });
    assert.equal(await overlay.getAttribute('data-state'), 'answering');
    assert.equal(await page.evaluate(() => window.lecternPlayer.video.paused), true, 'paused at the checkpoint');
    const at = await time();
    assert.ok(Math.abs(at - AT) < 0.6, `stopped at ${at}, the checkpoint is at ${AT}`);
    // Keyboard: focus is inside the dialog.
    assert.equal(await page.evaluate(() => !!document.activeElement.closest('#checkpoint-overlay')), true, 'focus moved into the overlay');

    await page.locator(`[data-option-id="${cp.questions[0].options[0].id}"]`).first().check();
    await page.click('#checkpoint-submit');
    await page.waitForFunction(() => document.querySelector('#checkpoint-overlay')?.dataset.state === 'failed', null, { timeout: 15_000 });
    assert.match(await page.locator('#cp-0-result').innerText(), /Look again/);
    await page.click('#checkpoint-rewatch');
    await page.waitForFunction(() => window.lecternPlayer.video.currentTime < 3.5, null, { timeout: 10_000 });
    await page.waitForFunction(() => !window.lecternPlayer.video.paused, null, { timeout: 10_000 }).catch(async () => play());

    await overlay.waitFor({ state: 'visible', timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('#checkpoint-overlay')?.dataset.state === 'answering', null, { timeout: 10_000 });
    await page.locator(`[data-option-id="${cp.questions[0].options[1].id}"]`).first().check();
    await page.click('#checkpoint-submit');
    await page.waitForFunction(() => document.querySelector('#checkpoint-overlay')?.dataset.state === 'passed', null, { timeout: 15_000 });
    await page.click('#checkpoint-continue');
    await page.waitForFunction(() => (window.lecternPlayer.timeline().unlockedUntil ?? Infinity) >= window.lecternPlayer.timeline().duration - 0.01, null, { timeout: 20_000 })
      .catch(async (err) => { throw new Error(`${err.message}: timeline ${JSON.stringify(await page.evaluate(() => window.lecternPlayer.timeline()))}`); });

    await page.evaluate(() => { window.lecternPlayer.video.playbackRate = 4; });
    await page.waitForFunction(() => !window.lecternPlayer.video.paused || window.lecternPlayer.video.ended, null, { timeout: 10_000 }).catch(async () => play());
    await page.waitForFunction(() => window.lecternPlayer.video.ended, null, { timeout: 90_000 });
    await page.evaluate(() => window.lecternXapi.flush());
    // The server completes the lesson from what reached the LRS.
    let done = false;
    for (let i = 0; i < 60 && !done; i++) {
      const res = await page.evaluate(async (url) => (await fetch(url)).json(), `/api/v1/courses/${course}/progress`);
      done = (res.lessons || []).some((l) => l.lesson_id === lesson && l.status === 'completed');
      if (!done) await new Promise((ok) => setTimeout(ok, 1000));
    }
    assert.ok(done, 'the lesson completed');
    await page.close({ runBeforeUnload: true }); // terminated goes out on pagehide
  });

  test('the Video Profile statements in the LRS are valid and complete', { timeout: 60_000 }, async () => {
    let items = [];
    for (let i = 0; i < 30; i++) {
      const r = await api(cfg, `/api/v1/xapi/statements?learner=${learner.id}&limit=200`);
      items = r.items;
      const answered = items.filter((s) => s.verb.id === 'http://adlnet.gov/expapi/verbs/answered').length;
      if (items.some((s) => s.verb.id.endsWith('/terminated')) && answered >= 2) break;
      await new Promise((ok) => setTimeout(ok, 1000));
    }
    const video = items.filter((s) => (s.context?.contextActivities?.category || []).some((c) => c.id === 'https://w3id.org/xapi/video'));
    const verbs = new Set(video.map((s) => s.verb.id.split('/').pop()));
    for (const v of ['initialized', 'played', 'paused', 'seeked', 'completed', 'terminated']) assert.ok(verbs.has(v), `a ${v} statement reached the LRS (have ${[...verbs]})`);
    const completed = video.filter((s) => s.verb.id === 'http://adlnet.gov/expapi/verbs/completed');
    assert.equal(completed.length, 1, 'completed exactly once');
    assert.equal(completed[0].result.completion, true);
    assert.ok(completed[0].result.extensions[`${V}extensions/progress`] >= 0.9);
    const reg = video[0].context.registration;
    assert.ok(reg);
    const init = video.find((s) => s.verb.id.endsWith('/initialized'));
    for (const s of video) {
      assert.equal(s.context.registration, reg, 'one registration: the enrollment');
      assert.equal(s.object.id.endsWith(`/courses/${course}/lessons/${lesson}/video`), true);
      assert.equal(s.object.definition.type, `${V}activity-type/video`);
      const ext = s.context.extensions;
      assert.ok(ext[`${V}extensions/session-id`], 'session-id');
      assert.ok(ext[`${V}extensions/length`] > 30, 'length');
      if (s.verb.id.endsWith('/seeked')) {
        assert.ok(`${V}extensions/time-from` in s.result.extensions && `${V}extensions/time-to` in s.result.extensions, 'seeked has time-from/time-to');
      }
      if (/paused|completed|terminated/.test(s.verb.id)) {
        assert.match(s.result.extensions[`${V}extensions/played-segments`], /^\d+(\.\d+)?\[\.\]\d+(\.\d+)?/, 'played-segments');
      }
    }
    assert.ok(init.context.extensions[`${V}extensions/completion-threshold`] === 0.9, 'completion-threshold');
    // And the server's own: one answered per attempt (wrong, then right).
    const answered = items.filter((s) => s.verb.id === 'http://adlnet.gov/expapi/verbs/answered');
    assert.deepEqual(answered.map((s) => s.result.success).sort(), [false, true]);
    assert.equal(answered[0].object.definition.interactionType, 'choice');
  });
});
