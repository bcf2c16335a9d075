// Course page: /courses/<id> — description, outline (locked lessons shown
// locked), enroll (POST /api/v1/courses/{id}/enrollments), progress, continue.
import { fill, boot, call, h, run, progressBar, showFormError, toast } from './lib/app.js';
import { loadCourse, renderOutline } from './lib/course.js';
import { resumeLesson, flatLessons } from './lib/outline.js';

const courseId = decodeURIComponent((/^\/courses\/([^/]+)/.exec(location.pathname) || [])[1] || '');

run(async () => {
  const me = await boot();
  const main = document.getElementById('main');

  async function render() {
    const { course, modules, progress, enrolled } = await loadCourse(courseId);
    document.title = `${course.title} · Lectern`;
    const staff = me.roles.includes('admin') || (course.owner && course.owner.id) === me.user.id || (course.instructors || []).some((i) => (i.user_id || i.id) === me.user.id);
    const lessons = flatLessons(modules);
    const resume = enrolled ? resumeLesson(modules, progress.lessons) : null;

    const action = h('div', { class: 'card', id: 'enroll-card' });
    if (enrolled) {
      fill.add(action, 
        h('h2', null, progress.completedAt ? 'Completed' : 'Your progress'),
        progressBar(progress.percent, 'Course progress'),
        h('p', { class: 'muted small' }, `${Math.round(progress.percent)}% complete`),
        resume ? h('a', { class: 'button primary', id: 'continue', href: `/learn/${encodeURIComponent(course.id)}/${encodeURIComponent(resume.id)}` },
          [...progress.lessons.values()].some((p) => p.status !== 'not_started') ? 'Continue' : 'Start course') : null,
      );
    } else if (course.status && course.status !== 'published') {
      fill.add(action, h('p', { class: 'muted' }, `This course is ${course.status}; it cannot be joined now.`));
    } else if (course.enrollment === 'invite') {
      fill.add(action, h('h2', null, 'By invitation'), h('p', { class: 'muted' }, 'An instructor or administrator enrolls learners in this course.'));
    } else {
      const form = h('form', { id: 'enroll-form' }, h('button', { type: 'submit', class: 'primary', id: 'enroll' }, 'Enroll'));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        form.querySelector('button').disabled = true;
        try {
          await call(`/api/v1/courses/${encodeURIComponent(course.id)}/enrollments`, { method: 'POST', body: {} });
          toast('You are enrolled.');
          await render();
          const c = document.getElementById('continue');
          if (c) c.focus();
        } catch (err) {
          form.querySelector('button').disabled = false;
          showFormError(form, err);
        }
      });
      fill.add(action, h('h2', null, 'Join this course'), h('p', { class: 'muted small' }, `${lessons.length} lesson${lessons.length === 1 ? '' : 's'}. Your progress is saved as you go.`), form);
    }
    if (staff) fill.add(action, h('p', { class: 'small' }, h('a', { href: `/teach/courses/${encodeURIComponent(course.id)}` }, 'Edit this course')));

    const desc = h('div', { class: 'prose' });
    if (course.description_html) desc.innerHTML = course.description_html; // rendered and sanitized by the API
    else if (course.description) desc.append(...course.description.split(/\n{2,}/).map((p) => h('p', null, p)));

    fill(main, 
      h('p', { class: 'small' }, h('a', { href: '/catalog' }, '← Catalog')),
      h('div', { class: 'course-layout' },
        h('article', null,
          h('h1', { id: 'course-title' }, course.title),
          course.summary ? h('p', { class: 'lead' }, course.summary) : null,
          (course.tags || []).length ? h('ul', { class: 'tags' }, course.tags.map((t) => h('li', null, h('a', { class: 'tag', href: `/catalog?tag=${encodeURIComponent(t)}` }, t)))) : null,
          desc,
          h('h2', { style: { marginTop: '24px' } }, 'Outline'),
          renderOutline(course.id, modules, progress.lessons, { linkable: enrolled })),
        h('aside', { class: 'side' }, action)),
    );
  }
  await render();
});
