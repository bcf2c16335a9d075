// The instructor's checkpoint editor, in real headless chromium against a
// running Lectern (make test starts it):
//
//   LECTERN_E2E_VIDEO_JSON=/path/video.json LECTERN_ADMIN_TOKEN=… node --test teach-lesson.test.js
//
// An instructor opens a video lesson's editor, adds a checkpoint at the
// player's current time, rewrites its question, saves it, moves it with the
// keyboard on the timeline, sets the lesson's policy, and sees the
// analytics charts; each change is checked through the API.
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

describe('the checkpoint editor', { skip: cfg.skip }, () => {
  let browser; let page; let course; let lesson; let instructor;

  before(async () => {
    instructor = await createUser(cfg, { prefix: 'cp-teacher', roles: ['instructor'] });
    const c = await api(cfg, '/api/v1/courses', { method: 'POST', body: { title: `Editor ${Date.now()}` } });
    course = c.id;
    await api(cfg, `/api/v1/courses/${course}/instructors`, { method: 'POST', body: { user_id: instructor.id } });
    const m = await api(cfg, `/api/v1/courses/${course}/modules`, { method: 'POST', body: { title: 'Week 1' } });
    lesson = (await api(cfg, `/api/v1/courses/${course}/lessons`, { method: 'POST', body: { module_id: m.id, title: 'Lecture', kind: 'video', video_id: cfg.video.id } })).id;
    const res = await fetch(`${cfg.base}/api/v1/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: instructor.email, password: instructor.password }) });
    const session = /lectern_session=([^;]+)/.exec(res.headers.get('set-cookie'))[1];
    browser = await launch();
    const context = await browser.newContext();
    await context.addCookies([{ name: 'lectern_session', value: session, url: cfg.base, httpOnly: true, sameSite: 'Strict' }]);
    page = await context.newPage();
    page.on('console', (msg) => { if (msg.type() === 'error') console.log(`[page error] ${msg.text()}`); });
  });

  after(async () => { if (browser) await browser.close(); });

  test('add, edit, move a checkpoint; set the policy; see the analytics', { timeout: 180_000 }, async (t) => {
    t.after(async () => {
      if (t.passed === false) {
        mkdirSync(OUT, { recursive: true });
        await page.screenshot({ path: join(OUT, 'teach-lesson-fail.png') }).catch(() => {});
      }
    });
    await page.goto(`${cfg.base}/teach/courses/${course}/lessons/${lesson}`);
    await page.waitForFunction(() => window.lecternPlayer && window.lecternPlayer.video && window.lecternPlayer.video.readyState >= 1, null, { timeout: 45_000 });
    await page.evaluate(() => { window.lecternPlayer.video.currentTime = 8; });
    await page.waitForFunction(() => Math.abs(window.lecternPlayer.video.currentTime - 8) < 0.5, null, { timeout: 10_000 });
    await page.click('#cp-add');
    await page.locator('.cp-marker').first().waitFor({ timeout: 15_000 });
    let cps = (await api(cfg, `/api/v1/courses/${course}/lessons/${lesson}/checkpoints`)).items;
    assert.equal(cps.length, 1);
    assert.ok(Math.abs(cps[0].at - 8) < 0.6, `added at the current time (${cps[0].at})`);

    await page.fill('[data-field="questions[0].prompt"]', 'Which pattern was on screen?');
    await page.fill('#cp-q0-opt0', 'Colour bars');
    await page.fill('#cp-q0-opt1', 'A cat');
    await page.click('#cp-save');
    await page.waitForFunction(() => document.querySelector('#cp-editor, #cp-form')?.dataset.saved || document.querySelector('#cp-timeline')?.dataset.saved, null, { timeout: 15_000 });
    cps = (await api(cfg, `/api/v1/courses/${course}/lessons/${lesson}/checkpoints`)).items;
    assert.equal(cps[0].questions[0].prompt, 'Which pattern was on screen?');
    assert.deepEqual(cps[0].questions[0].options.map((o) => o.text), ['Colour bars', 'A cat']);

    // Keyboard move on the timeline: two steps right.
    const before = cps[0].at;
    await page.focus('.cp-marker');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    let moved = before;
    for (let i = 0; i < 20 && Math.abs(moved - (before + 1)) > 0.01; i++) {
      await new Promise((ok) => setTimeout(ok, 500));
      moved = (await api(cfg, `/api/v1/courses/${course}/lessons/${lesson}/checkpoints`)).items[0].at;
    }
    assert.ok(Math.abs(moved - (before + 1)) < 0.01, `moved from ${before} to ${moved}, want ${before + 1}`);

    // Policy.
    await page.selectOption('#p-navigation', 'no_skip_ahead');
    await page.click('#policy-save');
    let policy = null;
    for (let i = 0; i < 20; i++) {
      policy = await api(cfg, `/api/v1/courses/${course}/lessons/${lesson}/policy`);
      if (policy.navigation === 'no_skip_ahead') break;
      await new Promise((ok) => setTimeout(ok, 500));
    }
    assert.equal(policy.navigation, 'no_skip_ahead');

    // Analytics: the charts are drawn (no learner yet: empty but present).
    await page.locator('#analytics-heatmap').waitFor({ timeout: 15_000 });
    assert.ok(await page.locator('#analytics-dropoff').count() === 1);
    assert.ok(await page.locator('#analytics-questions').count() === 1);
  });
});
