// Lesson page: /learn/<course>/<lesson> — the lesson (the player for a video
// lesson, the rendered body for a text lesson) with the course outline beside
// it. Opening it marks the lesson in progress. A text lesson completes with
// "Mark complete" (POST /api/v1/courses/{id}/lessons/{lesson_id}/progress); a
// video lesson completes on the server (enough watched, required checkpoints
// passed, mastery met: lib/lessonvideo.js), and the page says what is still
// missing, re-reading progress after each attempt and at the end. A quiz
// lesson completes when the learner passes it (lib/quiz.js).
import { fill, boot, call, h, run, progressBar, toast, ApiError, toLogin } from './lib/app.js';
import { loadCourse, renderOutline } from './lib/course.js';
import { flatLessons, lessonStatus, isLocked, nextLesson } from './lib/outline.js';
import { mountLessonVideo } from './lib/lessonvideo.js';
import { mountQuiz } from './lib/quiz.js';

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
  const missing = h('ul', { class: 'muted small lesson-missing', id: 'lesson-missing', 'aria-label': 'Still to do', hidden: true });
  const isVideo = lesson.kind === 'video';
  const isQuiz = lesson.kind === 'quiz';
  // video and quiz lessons are completed by the server, not by a button (it answers 409 to one)
  const complete = isVideo || isQuiz ? null : h('button', { type: 'button', class: 'primary', id: 'mark-complete' }, 'Mark complete');
  const nextLink = h('a', { class: 'button', id: 'next-lesson', hidden: true }, 'Next lesson →');
  const head = h('div', { class: 'spread', style: { margin: '16px 0 8px' } },
    h('div', null, h('h1', { id: 'lesson-title' }, lesson.title), status, missing),
    h('div', { class: 'row' }, complete, nextLink));

  let lv = null;
  if (isVideo) {
    const host = h('div', { class: 'player', id: 'player', dataset: { state: 'loading', paused: 'true', controls: 'shown' } });
    fill.add(content, host, head);
    lv = mountLessonVideo({ host, course, lesson, onUnauthorized: toLogin, onChange: () => { reread(); } });
    lv.player.on('pause', () => renderState()); // what is still missing (how much is watched) moves on as it plays
  } else if (isQuiz) {
    const host = h('div', { id: 'quiz-host' });
    fill.add(content, head);
    if (lesson.body_html) fill.add(content, Object.assign(h('div', { class: 'prose', id: 'lesson-body' }), { innerHTML: lesson.body_html }));
    fill.add(content, host);
    mountQuiz({ host, course, lesson, onChange: () => { reread(); } });
  } else {
    const body = h('div', { class: 'prose text-lesson', id: 'lesson-body' });
    if (lesson.body_html) body.innerHTML = lesson.body_html; // rendered and sanitized by the API
    else body.append(...String(lesson.body || '').split(/\n{2,}/).map((p) => h('p', null, p)));
    fill.add(content, head, body);
  }

  function renderState() {
    let s = lessonStatus(lesson, progress.lessons);
    if (lv && lv.completed()) s = 'completed';
    status.textContent = s === 'completed' ? 'Completed ✓' : s === 'in_progress' ? 'In progress' : '';
    const todo = lv && s !== 'completed' ? lv.missing() : [];
    fill(missing, todo.map((t) => h('li', null, t)));
    missing.hidden = !todo.length;
    if (complete) complete.hidden = s === 'completed';
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

  // After an attempt or the end of the video: the server may have completed the lesson.
  let rereading = null;
  async function reread() {
    if (rereading) return;
    rereading = (async () => {
      try {
        ({ course, modules, progress } = await loadCourse(courseId));
        renderSide();
      } catch (err) {
        console.warn('lectern: could not re-read progress', err);
      } finally {
        rereading = null;
        renderState();
      }
    })();
  }

  renderState();
  if (complete) complete.addEventListener('click', async () => {
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
