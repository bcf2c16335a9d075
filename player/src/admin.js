// Admin: /admin#users|groups|rules|bulk|webhooks|lrs — users (search, create,
// roles, deactivate), groups and members, enrollment rules (group → course),
// bulk import from CSV with a preview, upload progress and the per-row report,
// webhooks (create: the secret is shown once; delivery log), the LRS (xAPI
// credentials, the statements browser and its export: lib/lrs.js).
import { fill, boot, call, h, run, onSubmit, toast, listAll, formatDate, itemsOf, ApiError, showFormError, clearErrors } from './lib/app.js';
import { csvPreview } from './lib/csv.js';
import { parseRoles, ROLES, bulkReport } from './lib/model.js';
import { postWithProgress } from './lib/xhr.js';
import { formatBytes } from './lib/format.js';
import { field, checkedValues } from './lib/form.js';
import { lrs } from './lib/lrs.js';

const TABS = [
  { id: 'users', label: 'Users' },
  { id: 'groups', label: 'Groups' },
  { id: 'rules', label: 'Enrollment rules' },
  { id: 'bulk', label: 'Bulk import' },
  { id: 'webhooks', label: 'Webhooks' },
  { id: 'lrs', label: 'LRS' },
];
const EVENTS = ['video.ready', 'enrollment.created', 'lesson.completed', 'course.completed'];

const checks = (legend, name, values, checked = [], id = name) => h('fieldset', { 'data-field': name, id: `fs-${id}` }, h('legend', null, legend),
  values.map((v) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value: v, checked: checked.includes(v) }), v)));

function dialog(title, build, submit) {
  const dlg = h('dialog', { 'aria-labelledby': 'dlg-title' });
  const form = h('form', { novalidate: true });
  const cancel = h('button', { type: 'button' }, 'Cancel');
  cancel.addEventListener('click', () => dlg.close());
  fill.add(form, h('h2', { id: 'dlg-title' }, title), ...build(), h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary' }, 'Save'), cancel));
  onSubmit(form, async (data) => { await submit(data, form); dlg.close(); });
  fill.add(dlg, form);
  dlg.addEventListener('close', () => dlg.remove());
  document.body.append(dlg);
  dlg.showModal();
}

run(async () => {
  await boot();
  const main = document.getElementById('main');
  const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Administration' });
  const panel = h('section', { role: 'tabpanel', id: 'panel', tabindex: '0' });
  fill(main, h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Admin'), h('p', { class: 'lead' }, 'People, groups, automatic enrollment, imports, integrations and the learning record store.'))), tablist, panel);

  const buttons = TABS.map((t) => {
    const b = h('button', { type: 'button', role: 'tab', id: `tab-${t.id}`, 'aria-controls': 'panel', 'aria-selected': 'false', tabindex: '-1' }, t.label);
    b.addEventListener('click', () => { location.hash = t.id; });
    b.addEventListener('keydown', (e) => {
      const i = TABS.indexOf(t);
      const j = e.key === 'ArrowRight' ? (i + 1) % TABS.length : e.key === 'ArrowLeft' ? (i - 1 + TABS.length) % TABS.length : -1;
      if (j < 0) return;
      e.preventDefault();
      location.hash = TABS[j].id;
      buttons[j].focus();
    });
    return b;
  });
  tablist.append(...buttons);

  const views = { users, groups, rules, bulk, webhooks, lrs };
  async function show() {
    const id = TABS.some((t) => t.id === location.hash.slice(1)) ? location.hash.slice(1) : 'users';
    buttons.forEach((b, i) => { const on = TABS[i].id === id; b.setAttribute('aria-selected', String(on)); b.tabIndex = on ? 0 : -1; });
    panel.setAttribute('aria-labelledby', `tab-${id}`);
    fill(panel, h('p', { class: 'muted' }, 'Loading…'));
    try {
      await views[id](panel);
    } catch (err) {
      fill(panel, h('p', { class: 'alert', role: 'alert' }, err.message));
    }
  }
  window.addEventListener('hashchange', show);
  await show();
});

// ---------------------------------------------------------------- users
async function users(panel) {
  const q = h('input', { type: 'search', id: 'user-q', placeholder: 'Name or email', 'aria-label': 'Search users' });
  const search = h('form', { class: 'row', role: 'search' }, h('div', { style: { flex: '1' } }, q), h('button', { type: 'submit' }, 'Search'));
  const table = h('div', { id: 'users-table' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  let cursor = null;
  async function load(fresh) {
    const p = new URLSearchParams({ limit: '50' });
    if (q.value.trim()) p.set('q', q.value.trim());
    if (!fresh && cursor) p.set('cursor', cursor);
    const page = await call(`/api/v1/users?${p}`);
    const rows = itemsOf(page);
    cursor = page && page.next_cursor;
    more.hidden = !cursor;
    let tbody = table.querySelector('tbody');
    if (fresh || !tbody) {
      tbody = h('tbody');
      fill(table, h('table', null, h('thead', null, h('tr', null, h('th', null, 'User'), h('th', null, 'Roles'), h('th', null, 'Status'), h('th', null, ''))), tbody));
    }
    tbody.append(...rows.map(userRow));
    if (fresh && !rows.length) fill(table, h('p', { class: 'muted' }, 'No user matches.'));
  }
  function userRow(u) {
    const edit = h('button', { type: 'button', class: 'icon', 'aria-label': `Edit ${u.email}` }, 'Edit');
    edit.addEventListener('click', () => dialog(`Edit ${u.email}`, () => [
      field('Name', h('input', { id: 'u-name', name: 'name', type: 'text', value: u.name || '' })),
      checks('Roles', 'roles', ROLES, u.roles || [], 'edit-roles'),
      field('New password', h('input', { id: 'u-password', name: 'password', type: 'password', autocomplete: 'new-password' }), 'Leave empty to keep the current one.'),
    ], async (d, form) => {
      const body = { name: d.name.trim(), roles: checkedValues(form, 'roles') };
      if (d.password) body.password = d.password;
      await call(`/api/v1/users/${encodeURIComponent(u.id)}`, { method: 'PATCH', body });
      toast('User saved');
      await load(true);
    }));
    const active = u.active !== false;
    const toggle = h('button', { type: 'button', class: `icon${active ? ' danger' : ''}`, 'aria-label': `${active ? 'Deactivate' : 'Reactivate'} ${u.email}` }, active ? 'Deactivate' : 'Reactivate');
    toggle.addEventListener('click', async () => {
      if (active && !confirm(`Deactivate ${u.email}? They are signed out everywhere and their API tokens stop working.`)) return;
      try { await call(`/api/v1/users/${encodeURIComponent(u.id)}`, { method: 'PATCH', body: { active: !active } }); toast(active ? 'Deactivated' : 'Reactivated'); await load(true); } catch (err) { toast(err.message, 'bad'); }
    });
    return h('tr', { dataset: { userId: u.id } },
      h('td', null, u.name || '—', h('div', { class: 'muted small' }, u.email), u.external_id ? h('div', { class: 'muted small' }, `ext: ${u.external_id}`) : null),
      h('td', null, (u.roles || []).join(', ')),
      h('td', null, h('span', { class: `badge ${active ? 'ok' : 'failed'}` }, active ? 'active' : 'deactivated')),
      h('td', null, h('div', { class: 'row' }, edit, toggle)));
  }
  search.addEventListener('submit', (e) => { e.preventDefault(); load(true).catch((err) => toast(err.message, 'bad')); });
  more.addEventListener('click', () => load(false).catch((err) => toast(err.message, 'bad')));

  const create = h('form', { id: 'create-user', class: 'card', novalidate: true }, h('h2', null, 'New user'),
    field('Email', h('input', { id: 'nu-email', name: 'email', type: 'email', required: true })),
    field('Name', h('input', { id: 'nu-name', name: 'name', type: 'text' })),
    checks('Roles', 'roles', ROLES, ['learner'], 'new-roles'),
    field('Password', h('input', { id: 'nu-password', name: 'password', type: 'password', autocomplete: 'new-password' }), 'Optional (at least 10 characters). Without one the user cannot sign in until an admin sets one (Edit).'),
    h('button', { type: 'submit', class: 'primary' }, 'Create user'));
  onSubmit(create, async (d, form) => {
    const body = { email: d.email.trim().toLowerCase(), name: d.name.trim(), roles: parseRoles(checkedValues(form, 'roles')) };
    if (d.password) body.password = d.password;
    await call('/api/v1/users', { method: 'POST', body });
    form.reset();
    toast('User created');
    await load(true);
  });
  fill(panel, h('div', { class: 'editor-grid wide-left' }, h('div', { class: 'card' }, h('h2', null, 'Users'), search, table, more), create));
  await load(true);
}

// ---------------------------------------------------------------- groups
async function groups(panel) {
  const list = await listAll('/api/v1/groups?limit=200');
  const members = h('div', { id: 'group-members' }, h('p', { class: 'muted' }, 'Choose a group to see and change its members.'));
  async function openGroup(g) {
    const rows = await listAll(`/api/v1/groups/${encodeURIComponent(g.id)}/members?limit=200`, 2000);
    const add = h('form', { novalidate: true }, field('Add members by email', h('textarea', { id: 'gm-emails', name: 'emails', rows: '3', style: { minHeight: '70px' } }), 'One or more addresses, separated by commas or new lines. Members are enrolled by the group\'s rules.'),
      h('button', { type: 'submit', class: 'primary' }, 'Add'));
    onSubmit(add, async (d) => {
      const emails = d.emails.split(/[\s,;]+/).map((e) => e.trim().toLowerCase()).filter(Boolean);
      if (!emails.length) throw new ApiError(400, 'invalid', 'Enter at least one email address.', 'emails');
      const res = await call(`/api/v1/groups/${encodeURIComponent(g.id)}/members`, { method: 'POST', body: { emails } });
      toast(`Added ${res && res.added !== undefined ? res.added : emails.length}${res && res.already ? `, ${res.already} already members` : ''}`);
      await openGroup(g);
    });
    fill(members, h('h3', null, g.name),
      rows.length ? h('ul', { class: 'lessons' }, rows.map((u) => {
        const rm = h('button', { type: 'button', class: 'icon danger', 'aria-label': `Remove ${u.email} from ${g.name}` }, 'Remove');
        rm.addEventListener('click', async () => {
          try { await call(`/api/v1/groups/${encodeURIComponent(g.id)}/members/${encodeURIComponent(u.user_id || u.id)}`, { method: 'DELETE' }); await openGroup(g); } catch (err) { toast(err.message, 'bad'); }
        });
        return h('li', { class: 'lesson-row' }, h('span', { class: 'title' }, u.name || u.email, u.name ? h('span', { class: 'muted small' }, ` ${u.email}`) : null), h('span', { class: 'kind' }, rm));
      })) : h('p', { class: 'muted' }, 'No members yet.'), add);
  }
  const create = h('form', { class: 'row', novalidate: true, id: 'create-group' }, h('div', { class: 'field', style: { flex: '1', margin: 0 } },
    h('label', { for: 'g-name', class: 'visually-hidden' }, 'Group name'), h('input', { id: 'g-name', name: 'name', type: 'text', placeholder: 'New group name' })), h('button', { type: 'submit' }, 'Create group'));
  onSubmit(create, async (d) => {
    await call('/api/v1/groups', { method: 'POST', body: { name: d.name.trim() } });
    toast('Group created');
    await groups(panel);
  });
  fill(panel, h('div', { class: 'editor-grid' },
    h('div', { class: 'card' }, h('h2', null, 'Groups'),
      list.length ? h('ul', { class: 'lessons' }, list.map((g) => {
        const b = h('button', { type: 'button', class: 'link', style: { color: 'var(--fg)' } }, g.name);
        b.addEventListener('click', () => openGroup(g).catch((err) => toast(err.message, 'bad')));
        const del = h('button', { type: 'button', class: 'icon danger', 'aria-label': `Delete group ${g.name}` }, 'Delete');
        del.addEventListener('click', async () => {
          if (!confirm(`Delete the group “${g.name}”? Enrollments made by its rules stay.`)) return;
          try { await call(`/api/v1/groups/${encodeURIComponent(g.id)}`, { method: 'DELETE' }); await groups(panel); } catch (err) { toast(err.message, 'bad'); }
        });
        return h('li', { class: 'lesson-row' }, b, g.member_count !== undefined ? h('span', { class: 'muted small' }, `${g.member_count} members`) : null, h('span', { class: 'kind' }, del));
      })) : h('p', { class: 'muted' }, 'No groups yet.'),
      h('div', { style: { marginTop: '12px' } }, create)),
    h('div', { class: 'card' }, members)));
}

// ---------------------------------------------------------------- enrollment rules
async function rules(panel) {
  const [list, gs, cs] = await Promise.all([listAll('/api/v1/enrollment-rules?limit=200'), listAll('/api/v1/groups?limit=200'), listAll('/api/v1/courses?limit=200', 2000)]);
  const gName = new Map(gs.map((g) => [g.id, g.name]));
  const cName = new Map(cs.map((c) => [c.id, c.title]));
  const create = h('form', { class: 'card', id: 'create-rule', novalidate: true }, h('h2', null, 'New rule'),
    field('Group', h('select', { id: 'r-group', name: 'group_id' }, h('option', { value: '' }, 'Choose a group…'), gs.map((g) => h('option', { value: g.id }, g.name)))),
    field('Course', h('select', { id: 'r-course', name: 'course_id' }, h('option', { value: '' }, 'Choose a course…'), cs.filter((c) => c.status !== 'archived').map((c) => h('option', { value: c.id }, `${c.title}${c.status === 'draft' ? ' (draft)' : ''}`)))),
    field('Due after (days)', h('input', { id: 'r-due', name: 'due_days', type: 'number', min: '1', max: '3650' }), 'Optional: the due date is this many days after each enrollment.'),
    h('button', { type: 'submit', class: 'primary' }, 'Create rule'),
    h('p', { class: 'hint' }, 'Current members are enrolled at once; new members when they join the group.'));
  onSubmit(create, async (d) => {
    const body = { group_id: d.group_id, course_id: d.course_id };
    if (!body.group_id) throw new ApiError(400, 'invalid', 'Choose a group.', 'group_id');
    if (!body.course_id) throw new ApiError(400, 'invalid', 'Choose a course.', 'course_id');
    if (d.due_days) body.due_days = Number(d.due_days);
    const res = await call('/api/v1/enrollment-rules', { method: 'POST', body });
    const n = res && (res.enrolled ?? res.applied ?? res.count);
    toast(n !== undefined ? `Rule created: ${n} member(s) enrolled now` : 'Rule created');
    await rules(panel);
  });
  fill(panel, h('div', { class: 'editor-grid' },
    h('div', { class: 'card' }, h('h2', null, 'Rules'),
      list.length ? h('table', null, h('thead', null, h('tr', null, h('th', null, 'Group'), h('th', null, 'Course'), h('th', null, 'Due'), h('th', null, ''))),
        h('tbody', null, list.map((r) => {
          const del = h('button', { type: 'button', class: 'icon danger', 'aria-label': 'Delete rule' }, 'Delete');
          del.addEventListener('click', async () => {
            if (!confirm('Delete this rule? Enrollments it made stay.')) return;
            try { await call(`/api/v1/enrollment-rules/${encodeURIComponent(r.id)}`, { method: 'DELETE' }); await rules(panel); } catch (err) { toast(err.message, 'bad'); }
          });
          return h('tr', null, h('td', null, r.group_name || gName.get(r.group_id) || r.group_id), h('td', null, r.course_title || cName.get(r.course_id) || r.course_id),
            h('td', { class: 'muted' }, r.due_days ? `${r.due_days} days` : '—'), h('td', null, del));
        }))) : h('p', { class: 'muted' }, 'No rules yet: enrollments are made by hand or by import.')),
    create));
}

// ---------------------------------------------------------------- bulk import
async function bulk(panel) {
  const cs = await listAll('/api/v1/courses?limit=200', 2000).catch(() => []);
  fill(panel, h('div', { class: 'editor-grid' },
    importer({
      id: 'users', title: 'Import users',
      help: 'CSV with a header row: email, name, external_id, roles (e.g. "learner instructor"), groups, active. Existing users are matched by external_id, then email, and updated.',
      required: [['email', 'external_id']],
      url: () => '/api/v1/users/bulk',
    }),
    importer({
      id: 'enrollments', title: 'Import enrollments',
      help: 'CSV with a header row and one of email, external_id or user_id per row; due_at optional (ISO date). Re-importing the same file changes nothing.',
      required: [['email', 'external_id', 'user_id']],
      course: cs,
      url: (form) => `/api/v1/courses/${encodeURIComponent(form.querySelector('[name="course_id"]').value)}/enrollments/bulk`,
    })));
}

function importer(o) {
  const file = h('input', { type: 'file', id: `${o.id}-file`, name: 'file', accept: '.csv,text/csv' });
  const course = o.course ? h('select', { id: `${o.id}-course`, name: 'course_id' }, h('option', { value: '' }, 'Choose a course…'), o.course.filter((c) => c.status !== 'archived').map((c) => h('option', { value: c.id }, c.title))) : null;
  const preview = h('div', { id: `${o.id}-preview`, 'aria-live': 'polite' });
  const send = h('button', { type: 'submit', class: 'primary', disabled: true }, 'Import');
  const bar = h('div', { class: 'pbar', role: 'progressbar', 'aria-label': 'Upload progress', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0', hidden: true }, h('div', { class: 'pbar-fill', style: { width: '0%' } }));
  const report = h('div', { id: `${o.id}-report` });
  const form = h('form', { class: 'card', id: `import-${o.id}`, novalidate: true }, h('h2', null, o.title), h('p', { class: 'hint' }, o.help),
    course ? field('Course', course) : null, field('CSV file', file), preview, h('div', { class: 'row' }, send), bar, report);
  let text = '';
  file.addEventListener('change', async () => {
    clearErrors(form);
    fill(report);
    const f = file.files && file.files[0];
    send.disabled = true;
    if (!f) { fill(preview); return; }
    text = await f.text();
    const p = csvPreview(text, { required: o.required });
    fill(preview, 
      h('p', { id: `${o.id}-count` }, h('strong', null, `${p.count} row${p.count === 1 ? '' : 's'}`), ` in ${f.name} (${formatBytes(f.size)}); columns: ${p.header.join(', ') || '—'}`),
      p.problems.length ? h('ul', { class: 'alert' }, p.problems.map((x) => h('li', null, x))) : null,
      p.sample.length ? h('div', { style: { overflowX: 'auto' } }, h('table', { 'aria-label': 'First rows' }, h('thead', null, h('tr', null, p.header.map((c) => h('th', null, c)))),
        h('tbody', null, p.sample.map((r) => h('tr', null, p.header.map((c) => h('td', null, r[c]))))))) : null);
    send.disabled = p.count === 0 || p.problems.some((x) => x.startsWith('Missing'));
    send.textContent = `Import ${p.count} row${p.count === 1 ? '' : 's'}`;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    if (course && !course.value) { showFormError(form, new ApiError(400, 'invalid', 'Choose a course.', 'course_id')); return; }
    send.disabled = true;
    bar.hidden = false;
    const barFill = bar.firstChild;
    const setPct = (p) => { barFill.style.width = `${p}%`; bar.setAttribute('aria-valuenow', String(Math.round(p))); };
    setPct(0);
    fill(report, h('p', { class: 'muted', role: 'status' }, 'Uploading…'));
    try {
      const res = await postWithProgress(o.url(form), new Blob([text], { type: 'text/csv' }), {
        contentType: 'text/csv',
        onProgress: (loaded, total) => {
          setPct(total ? (loaded / total) * 100 : 0);
          if (total && loaded >= total) fill(report, h('p', { class: 'muted', role: 'status' }, 'Processing on the server…'));
        },
      });
      setPct(100);
      const r = bulkReport(res);
      fill(report, h('h3', { style: { marginTop: '14px' } }, 'Result'),
        h('ul', { class: 'tags', role: 'status' }, r.counts.map((c) => h('li', { class: 'tag' }, `${c.name}: ${c.value}`))),
        r.failed.length ? h('div', null, h('p', { class: 'alert' }, `${r.failed.length} row${r.failed.length === 1 ? '' : 's'} failed:`),
          h('table', { 'aria-label': 'Failed rows' }, h('thead', null, h('tr', null, h('th', null, 'Row'), h('th', null, 'Field'), h('th', null, 'Value'), h('th', null, 'Reason'))),
            h('tbody', null, r.failed.map((f) => h('tr', null, h('td', null, String(f.row)), h('td', null, f.field), h('td', null, String(f.value)), h('td', null, f.reason)))))) : h('p', { class: 'muted' }, 'No row failed.'));
    } catch (err) {
      bar.hidden = true;
      fill(report);
      if (err.status === 401) { location.assign(`/login?next=${encodeURIComponent('/admin#bulk')}`); return; }
      showFormError(form, err);
    } finally {
      send.disabled = false;
    }
  });
  return form;
}

// ---------------------------------------------------------------- webhooks
async function webhooks(panel) {
  const list = await listAll('/api/v1/webhooks?limit=200');
  const log = h('div', { id: 'deliveries' });
  const secretBox = h('div', { id: 'webhook-secret' });
  async function deliveries(w) {
    const rows = itemsOf(await call(`/api/v1/webhooks/${encodeURIComponent(w.id)}/deliveries?limit=50`));
    fill(log, h('h3', null, `Deliveries to ${w.url}`), rows.length ? h('table', null,
      h('thead', null, h('tr', null, h('th', null, 'When'), h('th', null, 'Event'), h('th', null, 'Status'), h('th', null, 'Attempts'), h('th', null, 'Response'))),
      h('tbody', null, rows.map((d) => h('tr', null, h('td', { class: 'muted' }, new Date(d.created_at).toLocaleString()), h('td', null, d.event),
        h('td', null, h('span', { class: `badge ${d.status}` }, d.status)), h('td', null, String(d.attempts ?? '')),
        h('td', { class: 'muted small' }, [d.response_status, d.error].filter(Boolean).join(' · ') || '—'))))) : h('p', { class: 'muted' }, 'Nothing sent yet.'));
  }
  const create = h('form', { class: 'card', id: 'create-webhook', novalidate: true }, h('h2', null, 'New webhook'),
    field('URL', h('input', { id: 'w-url', name: 'url', type: 'url', placeholder: 'https://example.com/lectern' })),
    field('Description', h('input', { id: 'w-desc', name: 'description', type: 'text' })),
    checks('Events', 'events', EVENTS, EVENTS),
    h('button', { type: 'submit', class: 'primary' }, 'Create webhook'));
  onSubmit(create, async (d, form) => {
    const w = await call('/api/v1/webhooks', { method: 'POST', body: { url: d.url.trim(), description: d.description.trim(), events: checkedValues(form, 'events') } });
    await webhooks(panel);
    const box = document.getElementById('webhook-secret');
    fill(box, h('div', { class: 'notice', role: 'alert' }, h('strong', null, 'Signing secret — copy it now, it is not shown again:'), h('code', { class: 'secret', id: 'secret-value' }, w.secret || '(none returned)')));
  });
  fill(panel, secretBox, h('div', { class: 'editor-grid' },
    h('div', { class: 'card' }, h('h2', null, 'Webhooks'), list.length ? h('ul', { class: 'lessons' }, list.map((w) => {
      const show = h('button', { type: 'button', class: 'icon' }, 'Deliveries');
      show.addEventListener('click', () => deliveries(w).catch((err) => toast(err.message, 'bad')));
      const ping = h('button', { type: 'button', class: 'icon' }, 'Ping');
      ping.addEventListener('click', async () => { try { await call(`/api/v1/webhooks/${encodeURIComponent(w.id)}/ping`, { method: 'POST', body: {} }); toast('Ping queued'); await deliveries(w); } catch (err) { toast(err.message, 'bad'); } });
      const toggle = h('button', { type: 'button', class: 'icon' }, w.active === false ? 'Enable' : 'Disable');
      toggle.addEventListener('click', async () => { try { await call(`/api/v1/webhooks/${encodeURIComponent(w.id)}`, { method: 'PATCH', body: { active: w.active === false } }); await webhooks(panel); } catch (err) { toast(err.message, 'bad'); } });
      const del = h('button', { type: 'button', class: 'icon danger', 'aria-label': `Delete webhook ${w.url}` }, 'Delete');
      del.addEventListener('click', async () => { if (!confirm(`Delete the webhook to ${w.url}?`)) return; try { await call(`/api/v1/webhooks/${encodeURIComponent(w.id)}`, { method: 'DELETE' }); await webhooks(panel); } catch (err) { toast(err.message, 'bad'); } });
      return h('li', { style: { padding: '10px 12px' } }, h('div', { class: 'spread' }, h('strong', { style: { wordBreak: 'break-all' } }, w.url), h('span', { class: `badge ${w.active === false ? 'failed' : 'ok'}` }, w.active === false ? 'disabled' : 'active')),
        w.description ? h('p', { class: 'muted small', style: { margin: '4px 0' } }, w.description) : null,
        h('p', { class: 'muted small', style: { margin: '4px 0' } }, (w.events || []).join(', '), w.created_at ? ` · since ${formatDate(w.created_at)}` : ''),
        h('div', { class: 'row' }, show, ping, toggle, del));
    })) : h('p', { class: 'muted' }, 'No webhooks yet.'), log),
    create));
}
