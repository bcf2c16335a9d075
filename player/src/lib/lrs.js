// Admin › LRS (/admin#lrs): the organization's learning record store.
//
// - xAPI credentials: list, create (the secret is shown once, with the
//   endpoint and the key, each copyable), revoke.
//   GET/POST /api/v1/xapi/credentials, DELETE /api/v1/xapi/credentials/{id}.
// - Statements: newest first, filtered by learner (a user picked from
//   GET /api/v1/users?q=), agent (JSON), verb, activity, registration,
//   since/until; "Load more" by next_cursor; a row opens the statement's JSON.
//   GET /api/v1/xapi/statements.
// - Export: links to GET /api/v1/xapi/statements/export?format=jsonl|csv with
//   the filters of the list shown (a plain download; the session cookie
//   authenticates, the server streams).
import { fill, call, h, onSubmit, toast, listAll, itemsOf, formatDate, ApiError, showFormError, clearErrors } from './app.js';
import { field, checkedValues } from './form.js';
import { SCOPES, endpointUrl, readFilters, listUrl, exportUrl, statementRow, isUUID } from './xapi.js';

/** Verbs offered in the verb filter (any IRI may be typed). */
const VERBS = ['completed', 'passed', 'failed', 'attempted', 'experienced', 'answered', 'progressed', 'registered', 'initialized', 'terminated', 'voided']
  .map((v) => `http://adlnet.gov/expapi/verbs/${v}`);

const prefs = () => (typeof navigator !== 'undefined' && navigator.languages) || [];

export async function lrs(panel) {
  const secretBox = h('div', { id: 'xapi-secret' });
  const credList = h('div', { id: 'xapi-credentials' }, h('p', { class: 'muted' }, 'Loading…'));
  const statements = statementsCard();
  fill(panel, secretBox,
    h('div', { class: 'editor-grid wide-left' },
      h('div', { class: 'card' }, h('h2', null, 'xAPI credentials'),
        h('p', { class: 'hint', style: { margin: '0 0 12px' } }, 'Keys for xAPI clients (an LMS, an authoring tool, a course player) to send and read statements at ',
          h('code', null, endpointUrl(location.origin)), ' with HTTP Basic authentication.'),
        credList),
      createCredentialForm(secretBox, () => credentials(credList))),
    statements.card);
  await Promise.all([credentials(credList), statements.load(true)]);
}

// ---------------------------------------------------------------- credentials

async function credentials(box) {
  const list = await listAll('/api/v1/xapi/credentials?limit=200', 2000);
  if (!list.length) { fill(box, h('p', { class: 'muted' }, 'No credentials yet.')); return; }
  fill(box, h('div', { style: { overflowX: 'auto' } }, h('table', { 'aria-label': 'xAPI credentials' },
    h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Key'), h('th', null, 'Scopes'), h('th', null, 'Status'), h('th', null, ''))),
    h('tbody', null, list.map((c) => credentialRow(c, box))))));
}

function credentialRow(c, box) {
  const revoked = !!c.revoked_at;
  let action = null;
  if (!revoked) {
    action = h('button', { type: 'button', class: 'icon danger', 'aria-label': `Revoke ${c.name}` }, 'Revoke');
    action.addEventListener('click', async () => {
      if (!confirm(`Revoke “${c.name}”? Clients using the key ${c.key} stop working at once.`)) return;
      action.disabled = true;
      try {
        await call(`/api/v1/xapi/credentials/${encodeURIComponent(c.id)}`, { method: 'DELETE' });
        toast('Credential revoked');
        await credentials(box);
      } catch (err) { action.disabled = false; toast(err.message, 'bad'); }
    });
  }
  return h('tr', { dataset: { credentialId: c.id }, class: revoked ? 'muted' : null },
    h('td', null, c.name, c.created_at ? h('div', { class: 'muted small' }, `since ${formatDate(c.created_at)}`) : null),
    h('td', null, h('code', { class: 'key' }, c.key)),
    h('td', { class: 'small' }, (c.scopes || []).join(', ')),
    h('td', null, h('span', { class: `badge ${revoked ? 'failed' : 'ok'}`, title: revoked ? new Date(c.revoked_at).toLocaleString() : null }, revoked ? 'revoked' : 'active'),
      revoked ? h('div', { class: 'muted small' }, formatDate(c.revoked_at)) : null),
    h('td', null, action));
}

function createCredentialForm(secretBox, reload) {
  const form = h('form', { class: 'card', id: 'create-xapi-credential', novalidate: true }, h('h2', null, 'New credential'),
    field('Name', h('input', { id: 'xc-name', name: 'name', type: 'text', maxlength: '200', placeholder: 'e.g. Moodle, Storyline courses' }), 'Who will use it, so that you know what you revoke.'),
    h('fieldset', { 'data-field': 'scopes', id: 'fs-xc-scopes' }, h('legend', null, 'Scopes'),
      SCOPES.map((s, i) => h('label', { class: 'check', for: `xc-scope-${i}` },
        h('input', { type: 'checkbox', id: `xc-scope-${i}`, name: 'scopes', value: s.id, checked: s.id === 'all' }),
        h('code', null, s.id), h('span', { class: 'muted small' }, s.help))),
      h('p', { class: 'hint' }, 'A client that only sends statements needs statements/write.')),
    h('button', { type: 'submit', class: 'primary', id: 'create-xapi-credential-submit' }, 'Create credential'));
  onSubmit(form, async (d, f) => {
    const scopes = checkedValues(f, 'scopes');
    if (!scopes.length) throw new ApiError(400, 'invalid', 'Choose at least one scope.', 'scopes');
    const cred = await call('/api/v1/xapi/credentials', { method: 'POST', body: { name: (d.name || '').trim(), scopes } });
    f.reset();
    showSecret(secretBox, cred);
    await reload();
  });
  return form;
}

/** The new credential's endpoint, key and secret (shown this once), each with a Copy button. */
function showSecret(box, cred) {
  const item = (label, id, value) => h('div', { class: 'kv' }, h('span', { class: 'label' }, label),
    h('code', { class: 'secret', id }, value),
    copyButton(value, `Copy the ${label.toLowerCase()}`, id));
  const done = h('button', { type: 'button' }, 'Done');
  done.addEventListener('click', () => fill(box));
  const note = h('div', { class: 'notice', role: 'alert', tabindex: '-1' },
    h('strong', null, `Credential “${cred.name}” created. Copy the secret now: it is not shown again.`),
    item('Endpoint', 'xapi-endpoint', endpointUrl(location.origin)),
    item('Key', 'xapi-key', cred.key || ''),
    item('Secret', 'xapi-secret-value', cred.secret || '(none returned)'),
    h('p', { class: 'hint' }, 'Clients send the key and secret as HTTP Basic credentials, with the header X-Experience-API-Version: 2.0.0 (or 1.0.3).'),
    h('div', { class: 'row' }, done));
  fill(box, note);
  note.focus();
}

function copyButton(text, label, id) {
  const b = h('button', { type: 'button', class: 'icon', 'aria-label': label, id: `${id}-copy` }, 'Copy');
  b.addEventListener('click', async () => {
    if (await copyText(text, document.getElementById(id))) toast('Copied');
    else toast('Copying is not allowed here: select the text and copy it.', 'bad');
  });
  return b;
}

async function copyText(text, el) {
  try {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return true; }
  } catch { /* fall back below */ }
  try { // plain http on a LAN name: no async clipboard, select and copy
    const range = document.createRange();
    range.selectNodeContents(el);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    return document.execCommand('copy');
  } catch { return false; }
}

// ---------------------------------------------------------------- statements

function statementsCard() {
  const learnerOptions = h('datalist', { id: 'st-learner-options' });
  const learner = h('input', { id: 'st-learner', name: 'learner', type: 'search', list: 'st-learner-options', autocomplete: 'off', placeholder: 'Name, email or user id' });
  const who = h('p', { class: 'hint', id: 'st-learner-who', 'aria-live': 'polite' });
  learner.setAttribute('aria-describedby', 'st-learner-who');
  const known = new Map(); // user id → user, from the picker's searches
  const form = h('form', { id: 'statement-filters', role: 'search', 'aria-label': 'Filter statements', novalidate: true },
    h('div', { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'st-learner' }, 'Learner'), learner, learnerOptions, who),
      field('Agent (JSON)', h('input', { id: 'st-agent', name: 'agent', type: 'text', spellcheck: 'false', placeholder: '{"mbox":"mailto:someone@example.com"}' })),
      field('Verb (IRI)', h('input', { id: 'st-verb', name: 'verb', type: 'url', list: 'st-verb-options', spellcheck: 'false', placeholder: 'http://adlnet.gov/expapi/verbs/completed' })),
      field('Activity (IRI)', h('input', { id: 'st-activity', name: 'activity', type: 'url', spellcheck: 'false' })),
      field('Registration (UUID)', h('input', { id: 'st-registration', name: 'registration', type: 'text', spellcheck: 'false' })),
      field('Stored since', h('input', { id: 'st-since', name: 'since', type: 'datetime-local', step: '1' })),
      field('Stored until', h('input', { id: 'st-until', name: 'until', type: 'datetime-local', step: '1' })),
      field('Per page', h('input', { id: 'st-limit', name: 'limit', type: 'number', min: '1', max: '200', value: '50' }))),
    h('datalist', { id: 'st-verb-options' }, VERBS.map((v) => h('option', { value: v }))),
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'statements-apply' }, 'Show statements'), h('button', { type: 'reset', id: 'statements-reset' }, 'Clear filters')));

  // the learner picker: suggestions from GET /api/v1/users?q= as one types
  let timer = 0;
  let seq = 0;
  const describe = () => {
    const u = known.get(learner.value.trim());
    fill(who, u ? `${u.name || u.email}${u.name ? ` <${u.email}>` : ''}` : '');
  };
  learner.addEventListener('input', () => {
    describe();
    clearTimeout(timer);
    const q = learner.value.trim();
    if (q.length < 2 || isUUID(q)) return;
    timer = setTimeout(async () => {
      const mine = ++seq;
      try {
        const users = itemsOf(await call(`/api/v1/users?${new URLSearchParams({ q, limit: '10' })}`));
        if (mine !== seq) return;
        for (const u of users) known.set(u.id, u);
        fill(learnerOptions, users.map((u) => h('option', { value: u.id, label: u.name ? `${u.name} <${u.email}>` : u.email })));
      } catch { /* no suggestions */ }
    }, 250);
  });
  learner.addEventListener('change', describe);

  /** A learner typed as a name or email: the one user it matches. */
  async function resolveLearner() {
    const q = learner.value.trim();
    if (!q || isUUID(q)) return;
    const users = itemsOf(await call(`/api/v1/users?${new URLSearchParams({ q, limit: '2' })}`));
    if (users.length !== 1) throw new ApiError(400, 'invalid', users.length ? 'More than one user matches: choose one from the list.' : 'No user matches.', 'learner');
    known.set(users[0].id, users[0]);
    learner.value = users[0].id;
    describe();
  }

  const table = h('div', { id: 'statements-table' });
  const status = h('p', { class: 'muted small', id: 'statements-status', role: 'status', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', id: 'statements-more', hidden: true }, 'Load more');
  const jsonl = h('a', { class: 'button', id: 'export-jsonl', download: '' }, 'Export JSON lines');
  const csv = h('a', { class: 'button', id: 'export-csv', download: '' }, 'Export CSV');
  const card = h('section', { class: 'card', id: 'statements', 'aria-labelledby': 'statements-title' },
    h('div', { class: 'spread' }, h('h2', { id: 'statements-title' }, 'Statements'), h('div', { class: 'row' }, jsonl, csv)),
    h('p', { class: 'hint', style: { margin: '0 0 12px' } }, 'Newest first. The exports hold every statement matching the filters of the list shown, not only the loaded ones.'),
    form, status, table, more);

  let applied = {};
  let limit = '50';
  let cursor = null;
  let shown = 0;
  const setExports = () => {
    jsonl.href = exportUrl(applied, 'jsonl');
    csv.href = exportUrl(applied, 'csv');
  };
  setExports();

  /** fresh: from the form's filters (the first page); else the next page of those shown. */
  async function load(fresh) {
    let filters = applied;
    let size = limit;
    if (fresh) {
      await resolveLearner();
      const r = readFilters(Object.fromEntries(new FormData(form)));
      if (r.error) throw new ApiError(400, 'invalid', r.error.message, r.error.field);
      filters = r.filters;
      size = String(form.elements.limit.value || '').trim();
    }
    const page = await call(listUrl(filters, { limit: size, cursor: fresh ? null : cursor }));
    const rows = itemsOf(page);
    if (fresh) {
      applied = filters;
      limit = size;
      shown = 0;
      setExports();
      fill(table);
    }
    cursor = page && page.next_cursor;
    more.hidden = !cursor;
    let tbody = table.querySelector('tbody');
    if (!tbody && rows.length) {
      tbody = h('tbody');
      fill(table, h('div', { style: { overflowX: 'auto' } }, h('table', { 'aria-label': 'Statements', class: 'statements' },
        h('thead', null, h('tr', null, h('th', null, 'Stored'), h('th', null, 'Actor'), h('th', null, 'Verb'), h('th', null, 'Object'), h('th', null, 'Result'))), tbody)));
    }
    if (tbody) {
      const trs = rows.map(statementTr);
      tbody.append(...trs);
      nameLearners(trs);
    }
    shown += rows.length;
    const filtered = Object.keys(applied).length > 0;
    fill(status, shown ? `${shown} statement${shown === 1 ? '' : 's'}${cursor ? ', more to load' : ''}${filtered ? ' matching the filters' : ''}.` : '');
    if (!shown) fill(table, h('p', { class: 'muted' }, filtered ? 'No statement matches the filters.' : 'No statements yet.'));
  }

  onSubmit(form, () => load(true));
  form.addEventListener('reset', () => {
    clearErrors(form);
    fill(who);
    // after the browser has put the defaults back
    setTimeout(() => load(true).catch((err) => showFormError(form, err)), 0);
  });
  more.addEventListener('click', async () => {
    more.disabled = true;
    try { await load(false); } catch (err) { showFormError(form, err); } finally { more.disabled = false; }
  });
  return { card, load: (fresh) => load(fresh).catch((err) => showFormError(form, err)) };
}

function statementTr(s) {
  const r = statementRow(s, prefs());
  const when = r.stored ? new Date(r.stored) : null;
  const whenText = when && !Number.isNaN(when.getTime()) ? when.toLocaleString() : r.stored || '—';
  const open = h('button', { type: 'button', class: 'link', 'aria-label': `${whenText}: show the statement's JSON`, title: r.stored }, whenText);
  const tr = h('tr', { class: 'clickable', dataset: { statementId: r.id } },
    h('td', { class: 'nowrap' }, open),
    h('td', { title: r.actorId || null, dataset: r.userId ? { userId: r.userId } : null }, r.actor || '—'),
    h('td', { title: r.verbId || null }, r.verb || '—'),
    h('td', { class: 'iri', title: r.objectId || null }, r.object || '—', r.objectId && r.objectId !== r.object ? h('div', { class: 'muted small' }, r.objectId) : null),
    h('td', null, r.result.text ? h('span', { class: `badge ${r.result.kind}` }, r.result.text) : h('span', { class: 'muted' }, '—')));
  tr.addEventListener('click', (e) => {
    if (e.target.closest('a') || String(window.getSelection && window.getSelection()).length) return; // a link, or selecting text
    showJson(s, open);
  });
  return tr;
}

const users = new Map(); // user id → Promise<user | null>

/** Lectern's own learners are account Agents named by their user id: show their name (GET /api/v1/users/{id}) instead. */
function nameLearners(trs) {
  for (const td of trs.map((tr) => tr.querySelector('td[data-user-id]')).filter(Boolean)) {
    const id = td.dataset.userId;
    if (!users.has(id)) users.set(id, call(`/api/v1/users/${encodeURIComponent(id)}`).catch(() => null));
    users.get(id).then((u) => {
      if (!u || !(u.name || u.email)) return;
      fill(td, u.name || u.email, u.name && u.email ? h('div', { class: 'muted small' }, u.email) : null);
    });
  }
}

/** The statement's full JSON in a dialog; focus returns to from when it closes. */
function showJson(s, from) {
  const text = JSON.stringify(s, null, 2);
  const close = h('button', { type: 'button', class: 'primary' }, 'Close');
  const dlg = h('dialog', { class: 'wide', 'aria-labelledby': 'stmt-title', id: 'statement-dialog' },
    h('div', { class: 'spread' }, h('h2', { id: 'stmt-title' }, 'Statement'), h('code', { class: 'small muted', id: 'statement-id' }, s.id || '')),
    h('pre', { class: 'json', id: 'statement-json', tabindex: '0', 'aria-label': 'Statement JSON' }, text),
    h('div', { class: 'row' }, copyButton(text, 'Copy the JSON', 'statement-json'), close));
  close.addEventListener('click', () => dlg.close());
  dlg.addEventListener('close', () => { dlg.remove(); if (from && from.isConnected) from.focus(); });
  document.body.append(dlg);
  dlg.showModal();
  close.focus();
}
