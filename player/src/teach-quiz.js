// Quiz editor: /teach/courses/<course>/quizzes/<lesson> — a quiz lesson's
// rules (attempts, time limit, shuffling, the attempt that counts, the pass
// score) and its questions (the six types, as in the checkpoint editor:
// lib/questioneditor.js), saved with PUT …/lessons/{id}/quiz; and a preview
// of the questions as a learner sees them (no key).
import { fill, boot, call, h, run, toast, showFormError, clearErrors, ApiError } from './lib/app.js';
import { modulesOf, flatLessons } from './lib/outline.js';
import { SCORING, defaultQuestion, learnerView } from './lib/checkpointform.js';
import { quizDraftOf, quizBody, MAX_QUIZ_QUESTIONS } from './lib/quizform.js';
import { field, bind, check, questionsEditor } from './lib/questioneditor.js';

const m = /^\/teach\/courses\/([^/]+)\/quizzes\/([^/]+)/.exec(location.pathname) || [];
const courseId = decodeURIComponent(m[1] || '');
const lessonId = decodeURIComponent(m[2] || '');
const courseBase = `/api/v1/courses/${encodeURIComponent(courseId)}`;
const quizURL = `${courseBase}/lessons/${encodeURIComponent(lessonId)}/quiz`;

run(async () => {
  await boot();
  const main = document.getElementById('main');
  const course = await call(courseBase);
  const lesson = flatLessons(modulesOf(course)).find((l) => l.id === lessonId) || { id: lessonId, title: 'Quiz' };
  document.title = `Quiz · ${lesson.title} · Lectern`;
  let quiz = await call(quizURL);
  let draft = quizDraftOf(quiz);
  if (!draft.questions.length) draft.questions.push(defaultQuestion('single_choice'));

  const formBox = h('section', { class: 'card', id: 'quiz-editor', 'aria-labelledby': 'quiz-editor-h' });
  const previewBox = h('section', { class: 'card', id: 'quiz-preview', 'aria-labelledby': 'quiz-preview-h' });
  fill(main,
    h('p', { class: 'small' }, h('a', { href: `/teach/courses/${encodeURIComponent(courseId)}` }, `← ${course.title}`)),
    h('div', { class: 'page-head' }, h('h1', null, `Quiz: ${lesson.title}`)),
    formBox, previewBox);

  function render() {
    const d = draft;
    const input = (name, attrs = {}) => bind(d, name, h('input', { id: `quiz-${name}`, name, type: 'text', value: d[name], ...attrs }));
    const form = h('form', { id: 'quiz-form', novalidate: true },
      h('div', { class: 'row' },
        field('Attempts allowed', input('attempts_allowed', { inputmode: 'numeric' }), '0: unlimited'),
        field('Time limit (minutes)', input('time_limit', { inputmode: 'decimal', placeholder: 'none' }), 'Empty: no limit. The server keeps the time.'),
        field('Attempt that counts', bind(d, 'scoring', h('select', { id: 'quiz-scoring', name: 'scoring' }, SCORING.map((s) => h('option', { value: s, selected: d.scoring === s }, `${s} attempt`))))),
        field('Pass score (%)', input('pass_score', { inputmode: 'decimal' }), 'Passing completes the lesson.')),
      h('div', { class: 'row' },
        check('quiz-shuffle-questions', 'Shuffle the questions for each attempt', d, 'shuffle_questions', { name: 'shuffle_questions' }),
        check('quiz-shuffle-options', 'Shuffle the options of choice questions', d, 'shuffle_options', { name: 'shuffle_options' })),
      h('h3', null, 'Questions'),
      h('div', { dataset: { field: 'questions' } }, questionsEditor(d.questions, render)),
      h('div', { class: 'row' },
        h('button', { type: 'button', id: 'quiz-add-question', disabled: d.questions.length >= MAX_QUIZ_QUESTIONS,
          onclick: () => { d.questions.push(defaultQuestion('single_choice')); render(); } }, '+ Add question')),
      h('div', { class: 'row', style: { marginTop: '12px' } },
        h('button', { type: 'submit', class: 'primary', id: 'quiz-save' }, 'Save quiz'),
        h('span', { class: 'muted small', id: 'quiz-saved' }, quiz.updated_at ? `Saved ${new Date(quiz.updated_at).toLocaleString()}` : 'Not saved yet')));
    form.addEventListener('submit', (e) => { e.preventDefault(); save(form); });
    fill(formBox, h('h2', { id: 'quiz-editor-h' }, 'Rules and questions'), form);
    renderPreview();
  }

  function renderPreview() {
    const saved = quiz.questions || [];
    fill(previewBox, h('h2', { id: 'quiz-preview-h' }, 'As a learner sees it'),
      saved.length
        ? h('ol', { class: 'quiz-preview' }, saved.map((q) => {
          const v = learnerView({ questions: [q] }).questions[0];
          return h('li', null, h('p', null, v.prompt, h('span', { class: 'muted small' }, ` (${v.points} point${Number(v.points) === 1 ? '' : 's'})`)),
            v.options.length ? h('ul', null, v.options.map((o) => h('li', null, o.text))) : h('p', { class: 'muted small' }, q.type === 'numeric' ? 'A number' : 'A short answer'));
        }))
        : h('p', { class: 'muted' }, 'Save the quiz to preview it.'),
      h('p', { class: 'hint' }, 'Learners see no correct flags, answers or explanations until they submit; the server grades.'));
  }

  async function save(form) {
    clearErrors(form);
    const { body, error } = quizBody(draft);
    if (error) { showFormError(form, new ApiError(400, 'invalid', error.message, error.field)); return; }
    const btn = form.querySelector('#quiz-save');
    btn.disabled = true;
    try {
      quiz = await call(quizURL, { method: 'PUT', body });
      draft = quizDraftOf(quiz);
      render();
      formBox.dataset.saved = String(Date.now());
      toast('Quiz saved');
    } catch (err) {
      showFormError(form, err);
    } finally {
      btn.disabled = false;
    }
  }

  render();
});
