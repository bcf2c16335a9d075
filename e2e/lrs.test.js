// The LRS in the admin page (/admin#lrs), in real headless chromium against a
// running Lectern:
//
//   the admin signs in through /login, creates an xAPI credential (an API
//   error shows next to its field first; then the secret is shown once, with
//   the endpoint and the key); the test sends a statement with that key and
//   secret (POST /xapi/statements, Basic auth, X-Experience-API-Version
//   2.0.0) from node; the statement appears in the statements table, filtered
//   by its agent too; its row opens its JSON; the CSV export link downloads a
//   header row and the statement, the JSON lines one the statement; revoking
//   the credential in the page makes the LRS refuse it.
//
//   LECTERN_PUBLIC_URL=http://127.0.0.1:8080 LECTERN_DATA_DIR=.data node --test lrs.test.js
//
// The admin is admin@localhost with the local stack's password
// (LECTERN_ADMIN_PASSWORD, else $LECTERN_DATA_DIR/admin-password); without one,
// an admin made with the admin token for this run. A failure leaves a
// screenshot in e2e/out/lrs.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch } from './lib/browser.js';
import { config, createUser, API_MS } from './lib/lectern.js';

const here = dirname(fileURLToPath(import.meta.url));
const OUT = join(here, 'out');
const cfg = config({ video: false });

const TEST_MS = 3 * 60_000;
const PAGE_MS = 30_000; // a page load, an element to appear

async function adminUser() {
  let password = (process.env.LECTERN_ADMIN_PASSWORD || '').trim();
  const file = process.env.LECTERN_DATA_DIR && join(process.env.LECTERN_DATA_DIR, 'admin-password');
  if (!password && file && existsSync(file)) password = readFileSync(file, 'utf8').trim();
  if (password) return { email: process.env.LECTERN_ADMIN_EMAIL || 'admin@localhost', password };
  return createUser(cfg, { prefix: 'e2e-admin', roles: ['admin'], name: 'E2E Admin' });
}

/** The response to the next method+path (regexp) request of page. */
function response(page, method, re) {
  return page.waitForResponse((r) => r.request().method() === method && re.test(new URL(r.url()).pathname));
}

/** POST one statement to the LRS as an xAPI client would. */
function sendStatement(endpoint, key, secret, stmt) {
  return fetch(`${endpoint}/statements`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`,
      'X-Experience-API-Version': '2.0.0',
      'Content-Type': 'application/json',
    },
    body: JSON.stringify(stmt),
    signal: AbortSignal.timeout(API_MS),
  });
}

test('the LRS in the admin page: credentials, statements, export', { skip: cfg.skip, timeout: TEST_MS }, async (t) => {
  const admin = await adminUser();
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(PAGE_MS);
  page.setDefaultNavigationTimeout(PAGE_MS);
  page.on('dialog', (d) => d.accept().catch(() => {})); // confirm() before revoking
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  try {
    // ------------------------------------------------ sign in, straight to the tab
    await page.goto(`${cfg.base}/admin#lrs`);
    await page.waitForURL((u) => u.pathname === '/login');
    await page.fill('#email', admin.email);
    await page.fill('#password', admin.password);
    await Promise.all([page.waitForURL((u) => u.pathname === '/admin' && u.hash === '#lrs'), page.click('#submit')]);
    await page.locator('#tab-lrs[aria-selected="true"]').waitFor();
    await page.locator('#create-xapi-credential').waitFor();
    await page.locator('#statements-status, #statements-table p').first().waitFor({ state: 'attached' });

    // ------------------------------------------------ create a credential (an empty name: the API's error by its field)
    const rejected = response(page, 'POST', /^\/api\/v1\/xapi\/credentials$/);
    await page.click('#create-xapi-credential-submit');
    assert.equal((await rejected).status(), 400, 'a credential without a name is refused');
    await page.locator('#xc-name[aria-invalid="true"]').waitFor();
    await page.locator('#create-xapi-credential .field-error').first().waitFor();

    const name = `E2E LRS ${stamp}`;
    await page.fill('#xc-name', name);
    assert.ok(await page.isChecked('#create-xapi-credential input[name="scopes"][value="all"]'), 'scope all is the default');
    const created = response(page, 'POST', /^\/api\/v1\/xapi\/credentials$/);
    await page.click('#create-xapi-credential-submit');
    const createdRes = await created;
    assert.equal(createdRes.status(), 201);
    const cred = await createdRes.json();
    await page.locator('#xapi-secret-value').waitFor();
    const secret = (await page.textContent('#xapi-secret-value')).trim();
    const key = (await page.textContent('#xapi-key')).trim();
    const endpoint = (await page.textContent('#xapi-endpoint')).trim();
    assert.ok(secret.length >= 16, `a secret is shown (${secret.length} characters)`);
    assert.equal(secret, cred.secret, 'the secret shown is the one the API returned');
    assert.equal(key, cred.key);
    assert.equal(endpoint, `${cfg.base}/xapi`);
    for (const id of ['#xapi-endpoint-copy', '#xapi-key-copy', '#xapi-secret-value-copy']) await page.locator(id).waitFor();
    const row = page.locator(`#xapi-credentials tr[data-credential-id="${cred.id}"]`);
    await row.locator('.badge', { hasText: 'active' }).waitFor();
    assert.ok((await row.textContent()).includes(key), 'the list shows the key');
    assert.ok(!(await row.textContent()).includes(secret), 'the list never shows the secret');
    assert.ok(!page.url().includes(secret), 'the secret is not in the URL');
    t.diagnostic(`credential ${cred.id} key ${key}`);

    // ------------------------------------------------ a statement from an xAPI client, with that key and secret
    const statementId = randomUUID();
    const mbox = `mailto:e2e-lrs-${stamp}@e2e.lectern.test`;
    const activityName = `E2E activity ${stamp}`;
    const sent = await sendStatement(endpoint, key, secret, {
      id: statementId,
      actor: { objectType: 'Agent', name: `E2E Learner ${stamp}`, mbox },
      verb: { id: 'http://adlnet.gov/expapi/verbs/passed', display: { 'en-US': 'passed' } },
      object: { objectType: 'Activity', id: `https://e2e.lectern.test/activities/${stamp}`, definition: { name: { 'en-US': activityName } } },
      result: { success: true, score: { scaled: 0.85 } },
    });
    const sentBody = await sent.text();
    assert.equal(sent.status, 200, `POST /xapi/statements: ${sentBody}`);
    assert.deepEqual(JSON.parse(sentBody), [statementId]);

    // ------------------------------------------------ it shows in the table (newest first)
    await page.click('#statements-apply');
    const tr = page.locator(`#statements-table tr[data-statement-id="${statementId}"]`);
    await tr.waitFor();
    const cells = await tr.locator('td').allTextContents();
    assert.equal(cells[1], `E2E Learner ${stamp}`, 'actor');
    assert.equal(cells[2], 'passed', 'verb');
    assert.ok(cells[3].startsWith(activityName), `object: ${cells[3]}`);
    assert.equal(cells[4], 'success · 85%', 'result');

    // an API error shows next to its field; then filter by the agent: only ours
    await page.fill('#st-limit', '500');
    const tooMany = response(page, 'GET', /^\/api\/v1\/xapi\/statements$/);
    await page.click('#statements-apply');
    assert.equal((await tooMany).status(), 400, 'limit 500 is refused');
    await page.locator('#st-limit[aria-invalid="true"]').waitFor();
    assert.match(await page.textContent('#statement-filters .field-error'), /200/);
    await page.fill('#st-limit', '50');
    await page.fill('#st-agent', JSON.stringify({ mbox }));
    const filtered = response(page, 'GET', /^\/api\/v1\/xapi\/statements$/);
    await page.click('#statements-apply');
    const filteredRes = await filtered;
    assert.equal(filteredRes.status(), 200);
    assert.equal(new URL(filteredRes.url()).searchParams.get('agent'), JSON.stringify({ mbox }));
    await page.locator('#statements-status', { hasText: '1 statement matching' }).waitFor();
    assert.equal(await page.locator('#statements-table tbody tr').count(), 1);

    // ------------------------------------------------ the row opens the statement's JSON
    await tr.locator('td').nth(2).click();
    const dlg = page.locator('#statement-dialog');
    await dlg.waitFor();
    const shown = JSON.parse(await page.textContent('#statement-json'));
    assert.equal(shown.id, statementId);
    assert.equal(shown.actor.mbox, mbox);
    assert.equal(shown.result.score.scaled, 0.85);
    assert.ok(shown.stored, 'the stored statement (with its stored time)');
    await page.keyboard.press('Escape');
    await dlg.waitFor({ state: 'detached' });

    // ------------------------------------------------ export with the filters: a download
    const csvHref = await page.getAttribute('#export-csv', 'href');
    const csvUrl = new URL(csvHref, cfg.base);
    assert.equal(csvUrl.pathname, '/api/v1/xapi/statements/export');
    assert.equal(csvUrl.searchParams.get('format'), 'csv');
    assert.equal(csvUrl.searchParams.get('agent'), JSON.stringify({ mbox }));
    assert.ok(!csvHref.includes(secret) && !csvHref.includes(key), 'no credentials in the export URL');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    assert.match(download.suggestedFilename(), /^statements-.*\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.split('\n').filter(Boolean);
    assert.match(lines[0], /^id,stored,timestamp,actor,verb,object,registration,result_success/, 'a header row');
    assert.equal(lines.length, 2, 'the header and our statement (filtered by agent)');
    assert.ok(lines[1].startsWith(`${statementId},`), 'the statement id in the CSV');
    assert.ok(lines[1].includes('http://adlnet.gov/expapi/verbs/passed'));

    const jsonl = await page.request.get(new URL(await page.getAttribute('#export-jsonl', 'href'), cfg.base).href);
    assert.equal(jsonl.status(), 200);
    const records = (await jsonl.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(records.map((r) => r.id), [statementId]);

    // ------------------------------------------------ revoke: the LRS refuses the key at once
    const revoked = response(page, 'DELETE', new RegExp(`^/api/v1/xapi/credentials/${cred.id}$`));
    await row.getByRole('button', { name: `Revoke ${name}` }).click();
    assert.equal((await revoked).status(), 204);
    await page.locator(`#xapi-credentials tr[data-credential-id="${cred.id}"] .badge`, { hasText: 'revoked' }).waitFor();
    const refused = await sendStatement(endpoint, key, secret, {
      actor: { mbox }, verb: { id: 'http://adlnet.gov/expapi/verbs/passed' }, object: { id: `https://e2e.lectern.test/activities/${stamp}` },
    });
    assert.equal(refused.status, 401, 'a revoked credential is refused');

    assert.deepEqual(pageErrors, [], 'uncaught page errors');
  } catch (err) {
    mkdirSync(OUT, { recursive: true });
    const shot = join(OUT, 'lrs.png');
    await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
    err.message += `\nurl: ${page.url()}\npage errors: ${JSON.stringify(pageErrors)}\nscreenshot: ${shot}`;
    throw err;
  } finally {
    await context.close();
    await browser.close();
  }
});
