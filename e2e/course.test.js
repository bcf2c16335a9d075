// A course from authoring to learning, in real headless chromium against a
// running Lectern:
//
//   instructor (own browser context): signs in through /login, creates a
//   course, describes it, adds a module, a video lesson from the ready e2e
//   video and a text lesson, drags the text lesson above the video lesson
//   (saved through PUT /outline), publishes;
//   learner (another context): signs in, finds the course in /catalog by a
//   word of its description, opens it, enrolls, sees it in /learn, starts it
//   (the first lesson, the text one), marks it complete, goes on to the video
//   lesson and the video plays.
//
//   LECTERN_E2E_VIDEO_JSON=/path/video.json LECTERN_ADMIN_TOKEN=… node --test course.test.js
//
// Both users are made with the admin token (POST /api/v1/users with a
// password), with emails unique to the run. A failure leaves screenshots in
// e2e/out/course-*.png.
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

const TEST_MS = 5 * 60_000;
const PAGE_MS = 30_000;  // a page load, an element to appear
const PLAY_MS = 45_000;  // the lesson's video to pass 1 s

/** A word no other course has, so that the catalog search finds exactly ours. */
const WORD = `lectern${Array.from({ length: 8 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join('')}`;

async function signIn(page, user, path) {
  await page.goto(cfg.base + path);
  await page.waitForURL((u) => u.pathname === '/login');
  assert.equal(new URL(page.url()).searchParams.get('next'), path, 'the sign-in page keeps where the visitor was going');
  await page.fill('#email', user.email);
  await page.fill('#password', user.password);
  await Promise.all([page.waitForURL((u) => u.pathname === path), page.click('#submit')]);
}

/** The response to the next method+path (regexp) request of page. */
function response(page, method, re) {
  return page.waitForResponse((r) => r.request().method() === method && re.test(new URL(r.url()).pathname));
}

async function ok(resPromise, what) {
  const res = await resPromise;
  assert.ok(res.status() < 300, `${what}: HTTP ${res.status()} ${await res.text().catch(() => '')}`);
  return res;
}

describe('courses in the browser', () => {
  let browser;
  let instructor;
  let learner;
  let courseId;
  before(async () => {
    if (cfg.skip) return;
    [instructor, learner] = await Promise.all([
      createUser(cfg, { prefix: 'e2e-instructor', roles: ['instructor'], name: 'E2E Instructor' }),
      createUser(cfg, { prefix: 'e2e-learner', roles: ['learner'], name: 'E2E Learner' }),
    ]);
    browser = await launch();
  });
  after(async () => {
    if (browser) await browser.close();
  });

  async function withPage(name, fn) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(PAGE_MS);
    page.setDefaultNavigationTimeout(PAGE_MS);
    page.on('dialog', (d) => d.accept().catch(() => {})); // confirm() prompts
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    try {
      await fn(page, pageErrors);
      assert.deepEqual(pageErrors, [], 'uncaught page errors');
    } catch (err) {
      mkdirSync(OUT, { recursive: true });
      const shot = join(OUT, `course-${name}.png`);
      await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
      err.message += `\nurl: ${page.url()}\npage errors: ${JSON.stringify(pageErrors)}\nscreenshot: ${shot}`;
      throw err;
    } finally {
      await context.close();
    }
  }

  test('an instructor builds and publishes a course', { skip: cfg.skip, timeout: TEST_MS }, async (t) => {
    await withPage('instructor', async (page) => {
      await signIn(page, instructor, '/teach');
      await page.locator('nav a[href="/teach"][aria-current="page"]').waitFor();
      assert.equal(await page.locator('nav a[href="/admin"]').count(), 0, 'an instructor sees no Admin link');

      // ------------------------------------------------ create
      const title = `E2E course ${WORD}`;
      await page.fill('#new-title', title);
      await Promise.all([page.waitForURL(/\/teach\/courses\/[^/]+$/), page.click('#create-course')]);
      courseId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
      t.diagnostic(`course ${courseId}`);
      await page.locator('#course-status', { hasText: 'draft' }).waitFor();

      // ------------------------------------------------ details (an API error shows next to its field)
      await page.fill('#f-title', '');
      const rejected = response(page, 'PATCH', new RegExp(`/api/v1/courses/${courseId}$`));
      await page.click('#save-details');
      assert.equal((await rejected).status(), 400, 'an empty title is refused');
      await page.locator('#f-title[aria-invalid="true"]').waitFor();
      await page.locator('#details .field-error').first().waitFor();
      await page.fill('#f-title', title);
      await page.fill('#f-summary', 'A short course made by the browser test.');
      await page.fill('#f-description', `Everything about ${WORD}: how it works and why.\n\nMade by e2e/course.test.js.`);
      await page.fill('#f-tags', 'e2e, testing');
      await ok(Promise.all([response(page, 'PATCH', new RegExp(`/api/v1/courses/${courseId}$`)), page.click('#save-details')]).then(([r]) => r), 'PATCH course');
      assert.equal(await page.locator('#details .field-error').count(), 0);

      // ------------------------------------------------ a module, a video lesson, a text lesson
      await page.fill('#new-module-title', 'Getting started');
      await ok(Promise.all([response(page, 'POST', /\/modules$/), page.click('#add-module-btn')]).then(([r]) => r), 'POST module');
      await page.locator('.editor-module').first().waitFor();

      await page.click('.add-lesson');
      await page.locator('dialog #d-video').waitFor();
      assert.equal(await page.locator('#d-kind').inputValue(), 'video');
      await page.fill('#d-title', 'Watch the lecture');
      await page.selectOption('#d-video', cfg.video.id);
      await ok(Promise.all([response(page, 'POST', /\/lessons$/), page.click('#dlg-submit')]).then(([r]) => r), 'POST video lesson');
      await page.locator('.editor-lesson[data-kind="video"]').waitFor();

      await page.click('.add-lesson');
      await page.locator('dialog #d-kind').waitFor();
      await page.selectOption('#d-kind', 'text');
      await page.fill('#d-title', 'Read this first');
      await page.fill('#d-body', `# Welcome\n\nThis course is about **${WORD}**.\n\n- read\n- watch`);
      await ok(Promise.all([response(page, 'POST', /\/lessons$/), page.click('#dlg-submit')]).then(([r]) => r), 'POST text lesson');
      await page.locator('.editor-lesson[data-kind="text"]').waitFor();
      assert.deepEqual(await page.locator('.editor-lesson').evaluateAll((ls) => ls.map((l) => l.dataset.kind)), ['video', 'text']);

      // ------------------------------------------------ drag the text lesson above the video lesson
      const saved = response(page, 'PUT', /\/outline$/);
      await page.locator('.editor-lesson[data-kind="text"]').dragTo(page.locator('.editor-lesson[data-kind="video"]'), { targetPosition: { x: 40, y: 4 } });
      await ok(saved, 'PUT outline');
      assert.deepEqual(await page.locator('.editor-lesson').evaluateAll((ls) => ls.map((l) => l.dataset.kind)), ['text', 'video']);
      const stored = await api(cfg, `/api/v1/courses/${courseId}`);
      assert.deepEqual(stored.modules[0].lessons.map((l) => l.kind), ['text', 'video'], 'the new order is stored');

      // ------------------------------------------------ publish
      await ok(Promise.all([response(page, 'PATCH', new RegExp(`/api/v1/courses/${courseId}$`)), page.click('#status-published')]).then(([r]) => r), 'publish');
      await page.locator('#course-status', { hasText: 'published' }).waitFor();
      assert.equal((await api(cfg, `/api/v1/courses/${courseId}`)).status, 'published');
    });
  });

  test('a learner finds the course, enrolls, and learns', { skip: cfg.skip, timeout: TEST_MS }, async (t) => {
    assert.ok(courseId, 'the instructor test made no course');
    await withPage('learner', async (page, pageErrors) => {
      await signIn(page, learner, '/catalog');
      assert.equal(await page.locator('nav a[href="/teach"]').count(), 0, 'a learner sees no Teach link');

      // ------------------------------------------------ catalog search by a word of the description
      await page.fill('#q', WORD);
      await page.click('#search-form button[type="submit"]');
      const card = page.locator(`.course-card[href="/courses/${courseId}"]`);
      await card.waitFor();
      assert.equal(await page.locator('#results .course-card').count(), 1, 'the search finds our course only');
      await Promise.all([page.waitForURL(`**/courses/${courseId}`), card.click()]);
      await page.locator('#course-title', { hasText: WORD }).waitFor();
      assert.deepEqual(await page.locator('.lesson-row').evaluateAll((ls) => ls.map((l) => l.textContent.includes('Reading') ? 'text' : 'video')), ['text', 'video']);

      // ------------------------------------------------ enroll
      await ok(Promise.all([response(page, 'POST', /\/enrollments$/), page.click('#enroll')]).then(([r]) => r), 'enroll');
      await page.locator('#continue', { hasText: 'Start course' }).waitFor();

      // ------------------------------------------------ my learning
      await page.click('nav a[href="/learn"]');
      await page.waitForURL('**/learn');
      const mine = page.locator(`#enrollments [data-course-id="${courseId}"]`);
      await mine.waitFor();
      await Promise.all([page.waitForURL(new RegExp(`/learn/${courseId}/[^/]+$`)), mine.locator('a.button').click()]);

      // ------------------------------------------------ the first lesson: text, in progress on open, then completed
      await page.locator('#lesson-body h1', { hasText: 'Welcome' }).waitFor();
      await page.locator('#lesson-status', { hasText: 'In progress' }).waitFor();
      await ok(Promise.all([response(page, 'POST', /\/progress$/), page.click('#mark-complete')]).then(([r]) => r), 'complete the text lesson');
      await page.locator('#lesson-status', { hasText: 'Completed' }).waitFor();
      const percent = await page.locator('#course-percent').textContent();
      assert.match(percent, /^50% complete$/);

      // ------------------------------------------------ the video lesson plays
      await Promise.all([page.waitForURL(new RegExp(`/learn/${courseId}/[^/]+$`)), page.click('#next-lesson')]);
      await page.locator('#player[data-state="ready"]').waitFor({ timeout: PAGE_MS });
      await page.click('#bigplay');
      const deadline = Date.now() + PLAY_MS;
      let s;
      for (;;) {
        s = await page.evaluate(() => {
          const p = window.lecternPlayer;
          return p ? { t: p.video.currentTime, errors: p.errors, engine: p.engine, mediaError: p.video.error && p.video.error.code } : null;
        });
        if (s && (s.t > 1 || s.errors.length || s.mediaError)) break;
        if (Date.now() > deadline) throw new Error(`the lesson's video did not play: ${JSON.stringify(s)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      assert.deepEqual(s.errors, [], 'player errors');
      assert.equal(s.mediaError, null);
      t.diagnostic(`lesson video at ${s.t.toFixed(1)} s (${s.engine})`);
      const progress = await api(cfg, `/api/v1/courses/${courseId}/enrollments/${learner.id}`);
      t.diagnostic(`enrollment: ${JSON.stringify({ status: progress.status, progress: progress.progress })}`);
      assert.deepEqual(pageErrors, []);
    });
  });
});
