// Quiz lessons, in real headless chromium against a running Lectern (make
// test starts it):
//
//   LECTERN_ADMIN_TOKEN=… LECTERN_PUBLIC_URL=http://127.0.0.1:8080 node --test quiz.test.js
//
// An instructor writes a quiz lesson in the quiz editor (a choice question
// and a numeric one, two attempts, a time limit, pass at 100%); a learner
// takes it: the first attempt answered wrong is graded "not passed", the
// second is left mid-way (the answer saved), resumed after a reload with
// that answer still chosen, finished and passed; the lesson shows as
// completed and the course progress reaches 100%. Each step is checked
// through the API as well.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './lib/browser.js';
import { config, api, createUser } from './lib/lectern.js';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, 'out');
const cfg = config({ video: false });

async function sessionOf(user) {
  const res = await fetch(`${cfg.base}/api/v1/sessions`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }) });
  assert.equal(res.status, 201, await res.text());
  return /lectern_session=([^;]+)/.exec(res.headers.get('set-cookie'))[1];
}

describe('a quiz lesson', { skip: cfg.skip }, () => {
  let browser; let course; let lesson; let instructor; let learner; let learnerToken;
  const pages = [];

  async function pageAs(user) {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'lectern_session', value: await sessionOf(user), url: cfg.base, httpOnly: true, sameSite: 'Strict' }]);
    const page = await context.newPage();
    page.on('console', (msg) => { if (msg.type() === 'error') console.log(`[page error] ${msg.text()}`); });
    pages.push(page);
    return page;
  }

  before(async () => {
    instructor = await createUser(cfg, { prefix: 'quiz-teacher', roles: ['instructor'] });
    learner = await createUser(cfg, { prefix: 'quiz-learner', roles: ['learner'] });
    course = (await api(cfg, '/api/v1/courses', { method: 'POST', body: { title: `Quizzes ${Date.now()}` } })).id;
    await api(cfg, `/api/v1/courses/${course}/instructors`, { method: 'POST', body: { user_id: instructor.id } });
    const m = await api(cfg, `/api/v1/courses/${course}/modules`, { method: 'POST', body: { title: 'Week 1' } });
    lesson = (await api(cfg, `/api/v1/courses/${course}/lessons`, { method: 'POST', body: { module_id: m.id, title: 'End of week quiz', kind: 'quiz' } })).id;
    browser = await launch();
  });

  after(async () => { if (browser) await browser.close(); });

  const fail = (t, name) => t.after(async () => {
    if (t.passed === false) {
      mkdirSync(OUT, { recursive: true });
      for (const [i, p] of pages.entries()) await p.screenshot({ path: join(OUT, `quiz-${name}-${i}.png`), fullPage: true }).catch(() => {});
    }
  });

  test('the instructor writes the quiz', { timeout: 120_000 }, async (t) => {
    fail(t, 'editor');
    const page = await pageAs(instructor);
    await page.goto(`${cfg.base}/teach/courses/${course}/quizzes/${lesson}`);
    await page.waitForSelector('#quiz-form', { timeout: 20_000 });
    await page.fill('#quiz-attempts_allowed', '2');
    await page.fill('#quiz-time_limit', '5');
    await page.fill('#quiz-pass_score', '100');
    await page.fill('[data-field="questions[0].prompt"]', 'Which planet is largest?');
    await page.fill('#cp-q0-opt0', 'Jupiter');
    await page.fill('#cp-q0-opt1', 'Mars');
    await page.click('#quiz-add-question');
    await page.selectOption('#cp-q1-type', 'numeric');
    await page.fill('[data-field="questions[1].prompt"]', 'How many moons has Mars?');
    await page.fill('#cp-q1-answer', '2');
    await page.click('#quiz-save');
    await page.waitForFunction(() => document.querySelector('#quiz-editor')?.dataset.saved, null, { timeout: 15_000 });
    const q = await api(cfg, `/api/v1/courses/${course}/lessons/${lesson}/quiz`);
    assert.equal(q.attempts_allowed, 2);
    assert.equal(q.time_limit_seconds, 300);
    assert.equal(q.pass_score, 1);
    assert.deepEqual(q.questions.map((x) => x.type), ['single_choice', 'numeric']);
    assert.equal(q.questions[0].options.find((o) => o.correct).text, 'Jupiter');
    assert.equal(q.questions[1].answer, 2);
    await page.waitForSelector('#quiz-preview li', { timeout: 5_000 });
    const preview = await page.textContent('#quiz-preview ol');
    assert.match(preview, /Jupiter/);
    assert.ok(!/correct|✓/i.test(preview), 'the preview shows no key');
    await api(cfg, `/api/v1/courses/${course}`, { method: 'PATCH', body: { status: 'published', enrollment: 'open' } });
  });

  test('the learner fails, resumes after a reload, passes, and the lesson completes', { timeout: 180_000 }, async (t) => {
    fail(t, 'learner');
    learnerToken = await sessionOf(learner);
    await api(cfg, `/api/v1/courses/${course}/enrollments`, { method: 'POST', body: {}, token: learnerToken });
    const page = await pageAs(learner);
    const url = `${cfg.base}/learn/${course}/${lesson}`;
    await page.goto(url);
    await page.waitForSelector('#quiz-start:not([disabled])', { timeout: 20_000 });
    assert.match(await page.textContent('#quiz-rules'), /2 questions · 2 attempts · 5:00 time limit · pass at 100%/);
    assert.equal(await page.locator('#mark-complete').count(), 0, 'no manual completion for a quiz');

    // Attempt 1: the wrong planet, a wrong number.
    await page.click('#quiz-start');
    await page.waitForSelector('#quiz-form');
    assert.match(await page.textContent('#quiz-clock'), /⏱ [45]:\d\d/);
    await page.locator('.quiz-question', { hasText: 'largest' }).getByLabel('Mars').check();
    await page.locator('.quiz-question', { hasText: 'moons' }).locator('input').fill('3');
    await page.click('#quiz-submit');
    await page.waitForSelector('#quiz-result[data-passed="false"]', { timeout: 15_000 });
    assert.match(await page.textContent('#quiz-standing'), /0%/);
    assert.match(await page.textContent('#quiz-attempts-left'), /1 attempt left/);

    // Attempt 2: the right planet, saved; then a reload.
    await page.click('#quiz-start');
    await page.waitForSelector('#quiz-form');
    await page.locator('.quiz-question', { hasText: 'largest' }).getByLabel('Jupiter').check();
    await page.waitForFunction(() => /Answers saved/.test(document.querySelector('#quiz-saved')?.textContent || ''), null, { timeout: 15_000 });
    await page.reload();
    await page.waitForSelector('#quiz-start:not([disabled])', { timeout: 20_000 });
    assert.equal((await page.textContent('#quiz-start')).trim(), 'Resume attempt');
    await page.click('#quiz-start');
    await page.waitForSelector('#quiz-form');
    assert.ok(await page.locator('.quiz-question', { hasText: 'largest' }).getByLabel('Jupiter').isChecked(), 'the saved answer is still chosen');
    await page.locator('.quiz-question', { hasText: 'moons' }).locator('input').fill('2');
    await page.click('#quiz-submit');
    await page.waitForSelector('#quiz-result[data-passed="true"]', { timeout: 15_000 });
    await page.waitForFunction(() => /Completed/.test(document.querySelector('#lesson-status')?.textContent || ''), null, { timeout: 15_000 });
    assert.equal(await page.locator('#quiz-results li[data-correct="true"]').count(), 2);
    assert.ok(await page.locator('#quiz-start[disabled]').count(), 'no attempt left to start');

    const st = await api(cfg, `/api/v1/courses/${course}/lessons/${lesson}/quiz`, { token: learnerToken });
    assert.equal(st.completed, true);
    assert.equal(st.score, 1);
    assert.equal(st.attempts.length, 2);
    const prog = await api(cfg, `/api/v1/courses/${course}/progress`, { token: learnerToken });
    assert.equal(prog.percent, 100);
  });
});
