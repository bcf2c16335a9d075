// Teach: /teach — the courses the viewer owns or co-teaches (all, for an
// admin) from GET /api/v1/courses, and "New course".
import { fill, boot, call, h, run, listAll, onSubmit, formatDate, ApiError } from './lib/app.js';

run(async () => {
  await boot();
  const main = document.getElementById('main');
  const form = h('form', { id: 'new-course', class: 'card', novalidate: true },
    h('h2', null, 'New course'),
    h('div', { class: 'field' }, h('label', { for: 'new-title' }, 'Title'),
      h('input', { id: 'new-title', name: 'title', type: 'text', maxlength: '200', required: true })),
    h('div', { class: 'field' }, h('label', { for: 'new-summary' }, 'Summary ', h('span', { class: 'muted' }, '(optional)')),
      h('input', { id: 'new-summary', name: 'summary', type: 'text', maxlength: '1000' })),
    h('button', { type: 'submit', class: 'primary', id: 'create-course' }, 'Create course'));
  onSubmit(form, async (data) => {
    const title = (data.title || '').trim();
    if (!title) throw new ApiError(400, 'invalid', 'Give the course a title.', 'title');
    const body = { title };
    if ((data.summary || '').trim()) body.summary = data.summary.trim();
    const c = await call('/api/v1/courses', { method: 'POST', body });
    location.assign(`/teach/courses/${encodeURIComponent(c.id)}`);
  });

  const courses = await listAll('/api/v1/courses?limit=100');
  const list = courses.length
    ? h('table', { id: 'my-courses' },
      h('thead', null, h('tr', null, h('th', null, 'Course'), h('th', null, 'Status'), h('th', null, 'Enrollment'), h('th', null, 'Updated'))),
      h('tbody', null, courses.map((c) => h('tr', { dataset: { courseId: c.id } },
        h('td', null, h('a', { href: `/teach/courses/${encodeURIComponent(c.id)}` }, c.title), c.summary ? h('div', { class: 'muted small' }, c.summary) : null),
        h('td', null, h('span', { class: `badge ${c.status}` }, c.status)),
        h('td', null, c.enrollment === 'invite' ? 'Invite only' : 'Open', c.enrollment_count !== undefined ? h('div', { class: 'muted small' }, `${c.enrollment_count} enrolled`) : null),
        h('td', { class: 'muted' }, formatDate(c.updated_at || c.created_at))))))
    : h('p', { class: 'empty' }, 'You have no courses yet. Create one with the form.');

  fill(main, 
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Teach'), h('p', { class: 'lead' }, 'Your courses. Upload lecture videos on the ', h('a', { href: '/upload' }, 'upload page'), ', then build lessons from them.'))),
    h('div', { class: 'editor-grid' }, h('section', { class: 'card', 'aria-label': 'My courses' }, h('h2', null, 'My courses'), list), form));
});
