// Course data the learner pages share: the course with its outline and, when
// the viewer is enrolled, their progress (GET /api/v1/courses/{id}/progress,
// which answers 403/404 to someone who is not).
import { call, ApiError, h } from './app.js';
import { modulesOf, progressOf, lessonStatus, isLocked } from './outline.js';

export async function loadCourse(courseId) {
  const id = encodeURIComponent(courseId);
  const [course, progress] = await Promise.all([
    call(`/api/v1/courses/${id}`),
    call(`/api/v1/courses/${id}/progress`).catch((err) => {
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return null;
      throw err;
    }),
  ]);
  const modules = modulesOf(course);
  const p = progressOf(progress);
  // progress embedded in the course (for an enrolled learner) fills what the progress call did not say
  for (const m of modules) {
    for (const l of m.lessons) {
      if (!p.lessons.has(l.id) && (l.progress !== undefined || l.locked !== undefined)) {
        p.lessons.set(l.id, { status: lessonStatus(l), locked: l.locked === true });
      }
    }
  }
  const enrolled = progress !== null || course.enrolled === true || !!course.enrollment_status;
  return { course, modules, progress: p, enrolled };
}

const MARK = { completed: '✓', in_progress: '◐', not_started: '○' };
const SPOKEN = { completed: 'completed', in_progress: 'in progress', not_started: 'not started' };

/**
 * The outline list. Lessons link to the lesson page when linkable (enrolled),
 * locked ones are shown locked, currentId is marked aria-current.
 */
export function renderOutline(courseId, modules, progress, { linkable, currentId } = {}) {
  if (!modules.length) return h('p', { class: 'muted' }, 'This course has no lessons yet.');
  return h('ol', { class: 'outline', 'aria-label': 'Course outline' }, modules.map((m) =>
    h('li', { dataset: { moduleId: m.id } },
      h('h3', null, m.title),
      h('ol', { class: 'lessons' }, m.lessons.map((l) => {
        const status = lessonStatus(l, progress);
        const locked = isLocked(l, progress);
        const inner = [
          h('span', { class: `mark ${locked ? 'locked' : status}`, 'aria-hidden': 'true' }, locked ? '🔒' : MARK[status]),
          h('span', { class: 'lesson-title' }, l.title),
          h('span', { class: 'visually-hidden' }, locked ? ' (locked: finish the prerequisites first)' : linkable ? ` (${SPOKEN[status]})` : ''),
          h('span', { class: 'kind' }, l.kind === 'text' ? 'Reading' : 'Video'),
        ];
        const attrs = { class: `lesson-row${locked ? ' locked' : ''}`, dataset: { lessonId: l.id, status, locked: String(locked) } };
        if (linkable && !locked) {
          return h('li', null, h('a', { ...attrs, href: `/learn/${encodeURIComponent(courseId)}/${encodeURIComponent(l.id)}`, 'aria-current': l.id === currentId ? 'page' : null }, inner));
        }
        return h('li', null, h('div', { ...attrs, 'aria-disabled': locked ? 'true' : null, title: locked ? 'Locked: finish the prerequisites first' : null }, inner));
      })))));
}
