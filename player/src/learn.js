// My learning: /learn — the viewer's enrollments (GET /api/v1/me/enrollments)
// with progress, due dates and a link to continue where they left off.
import { fill, boot, call, h, run, itemsOf, progressBar, formatDate } from './lib/app.js';
import { enrollmentView } from './lib/model.js';

run(async () => {
  await boot();
  const main = document.getElementById('main');
  const page = await call('/api/v1/me/enrollments?limit=100');
  const items = itemsOf(page).map(enrollmentView).filter((e) => e.status !== 'withdrawn');
  const head = h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'My learning'), h('p', { class: 'lead' }, 'Courses you are enrolled in.')));
  if (!items.length) {
    fill(main, head, h('div', { class: 'empty card' }, h('p', null, 'You are not enrolled in any course yet.'), h('a', { class: 'button primary', href: '/catalog' }, 'Browse the catalog')));
    return;
  }
  const now = Date.now();
  // due soonest first, then the rest as the API ordered them; completed last
  const order = (e) => (e.status === 'completed' ? 2 : e.dueAt ? 0 : 1);
  items.sort((a, b) => order(a) - order(b) || (a.dueAt && b.dueAt ? Date.parse(a.dueAt) - Date.parse(b.dueAt) : 0));
  fill(main, head, h('div', { class: 'grid', id: 'enrollments' }, items.map((e) => {
    const overdue = e.dueAt && e.status !== 'completed' && Date.parse(e.dueAt) < now;
    const href = e.nextLessonId && e.status !== 'completed'
      ? `/learn/${encodeURIComponent(e.courseId)}/${encodeURIComponent(e.nextLessonId)}`
      : `/courses/${encodeURIComponent(e.courseId)}`;
    return h('article', { class: 'course-card', dataset: { courseId: e.courseId } },
      h('h2', null, h('a', { href: `/courses/${encodeURIComponent(e.courseId)}` }, e.title)),
      e.summary ? h('p', null, e.summary) : null,
      progressBar(e.percent, `${e.title}: progress`),
      h('div', { class: 'foot' },
        h('span', null, e.status === 'completed' ? 'Completed' : `${Math.round(e.percent)}% complete`),
        e.dueAt ? h('span', { class: `badge ${overdue ? 'failed' : e.status === 'completed' ? '' : 'pending'}` }, `${overdue ? 'Overdue' : 'Due'} ${formatDate(e.dueAt)}`) : null),
      h('div', null, h('a', { class: `button${e.status === 'completed' ? '' : ' primary'}`, href, 'aria-label': `${e.status === 'completed' ? 'Review' : e.percent > 0 ? 'Continue' : 'Start'}: ${e.title}` },
        e.status === 'completed' ? 'Review' : e.percent > 0 ? 'Continue' : 'Start'),
      e.nextLessonTitle && e.status !== 'completed' ? h('span', { class: 'muted small' }, ` Next: ${e.nextLessonTitle}`) : null));
  })));
});
