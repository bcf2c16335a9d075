// Lesson page: /learn/<course>/<lesson> — the lesson (the player for a video
// lesson, the rendered body for a text lesson) with the course outline beside
// it. Opening it marks the lesson in progress; "Mark complete" completes it
// (POST /api/v1/courses/{id}/lessons/{lesson_id}/progress).
import { fill, boot, call, h, run, progressBar, toast, ApiError, toLogin } from './lib/app.js';
import { api } from './lib/api.js';
import { loadCourse, renderOutline } from './lib/course.js';
import { flatLessons, lessonStatus, isLocked, nextLesson } from './lib/outline.js';
import { mountPlayer } from './lib/player.js';

const m = /^\/learn\/([^/]+)\/([^/]+)/.exec(location.pathname) || [];
const courseId = decodeURIComponent(m[1] || '');
const lessonId = decodeURIComponent(m[2] || '');

run(async () => {
  await boot();
  const main = document.getElementById('main');
  let { course, modules, progress, enrolled } = await loadCourse(courseId);
  if (!enrolled) {
    location.replace(`/courses/${encodeURIComponent(courseId)}`);
    return;
  }
  const lesson = flatLessons(modules).find((l) => l.id === lessonId);
  document.title = `${lesson ? lesson.title : 'Lesson'} · ${course.title} · Lectern`;

  const side = h('aside', { class: 'side card', 'aria-label': 'Course' });
  const content = h('div', { class: 'lesson-main' });
  fill(main, h('div', { class: 'lesson-layout' }, content, side));

  function renderSide() {
    fill(side, 
      h('p', { class: 'small', style: { margin: '0 0 6px' } }, h('a', { href: `/courses/${encodeURIComponent(course.id)}` }, course.title)),
      progressBar(progress.percent, 'Course progress'),
      h('p', { class: 'muted small', id: 'course-percent' }, `${Math.round(progress.percent)}% complete`),
      renderOutline(course.id, modules, progress.lessons, { linkable: true, currentId: lessonId }));
  }
  renderSide();

  if (!lesson) {
    fill.add(content, h('div', { class: 'empty card' }, h('h1', null, 'Lesson not found'), h('p', null, 'It may have been removed from the course.')));
    return;
  }
  if (isLocked(lesson, progress.lessons)) {
    fill.add(content, h('div', { class: 'empty card', id: 'locked' }, h('h1', null, `🔒 ${lesson.title}`), h('p', null, 'This lesson unlocks when you finish its prerequisites.')));
    return;
  }

  const status = h('p', { class: 'muted small', id: 'lesson-status', role: 'status', 'aria-live': 'polite' });
  const complete = h('button', { type: 'button', class: 'primary', id: 'mark-complete' }, 'Mark complete');
  const nextLink = h('a', { class: 'button', id: 'next-lesson', hidden: true }, 'Next lesson →');
  const head = h('div', { class: 'spread', style: { margin: '16px 0 8px' } },
    h('div', null, h('h1', { id: 'lesson-title' }, lesson.title), status),
    h('div', { class: 'row' }, complete, nextLink));

  if (lesson.kind === 'video') {
    const host = h('div', { class: 'player', id: 'player', dataset: { state: 'loading', paused: 'true', controls: 'shown' } });
    fill.add(content, host, head);
    mountPlayer(host, {
      videoId: lesson.video_id || (lesson.video && lesson.video.id),
      documentTitle: false,
      // a lesson may carry its playable video; else ask the video API (allowed to enrolled learners)
      load: async (id) => (lesson.video && lesson.video.status && (lesson.video.hls || lesson.video.dash) ? lesson.video : api(`/api/v1/videos/${encodeURIComponent(id)}`)),
      onUnauthorized: toLogin,
    });
  } else {
    const body = h('div', { class: 'prose text-lesson', id: 'lesson-body' });
    if (lesson.body_html) body.innerHTML = lesson.body_html; // rendered and sanitized by the API
    else body.append(...String(lesson.body || '').split(/\n{2,}/).map((p) => h('p', null, p)));
    fill.add(content, head, body);
  }

  function renderState() {
    const s = lessonStatus(lesson, progress.lessons);
    status.textContent = s === 'completed' ? 'Completed ✓' : s === 'in_progress' ? 'In progress' : '';
    complete.hidden = s === 'completed';
    const next = nextLesson(modules, lesson.id);
    nextLink.hidden = !(next && s === 'completed' && !isLocked(next, progress.lessons));
    if (next) nextLink.href = `/learn/${encodeURIComponent(course.id)}/${encodeURIComponent(next.id)}`;
  }

  async function setProgress(value) {
    const res = await call(`/api/v1/courses/${encodeURIComponent(course.id)}/lessons/${encodeURIComponent(lesson.id)}/progress`, { method: 'POST', body: { status: value } });
    // the response may carry the course's new state; reload it to be exact (percent, unlocked lessons)
    ({ course, modules, progress } = await loadCourse(courseId));
    return res;
  }

  renderState();
  complete.addEventListener('click', async () => {
    complete.disabled = true;
    try {
      await setProgress('completed');
      toast('Lesson completed');
      renderSide();
      renderState();
      if (!nextLink.hidden) nextLink.focus();
    } catch (err) {
      status.textContent = err.status === 423 ? 'This lesson is locked.' : err.message;
    } finally {
      complete.disabled = false;
    }
  });

  // Opening the lesson marks it in progress (never moves a completed lesson back).
  if (lessonStatus(lesson, progress.lessons) === 'not_started') {
    try {
      await setProgress('in_progress');
      renderSide();
      renderState();
    } catch (err) {
      if (err instanceof ApiError && err.status === 423) status.textContent = 'This lesson is locked.';
      else console.warn('lectern: could not mark the lesson in progress', err);
    }
  }
});
