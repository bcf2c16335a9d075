// A quiz lesson as its learner takes it (lesson.js mounts it): the rules and
// the learner's attempts (GET …/lessons/{id}/quiz), an attempt opened or
// resumed on any device (POST …/quiz/attempts), its answers saved as they
// are given (PUT /quiz-attempts/{id}/answers, a second after the last
// change), the time left counted down (the server keeps the time: an
// attempt past its deadline is graded on what was saved, and the page shows
// that result), the submission graded on the server (POST …/submit) with
// per-question feedback and explanations. Nothing here knows a key.
import { h, fill, call, toast, ApiError } from './app.js';
import { moveItem } from './checkpoints.js';
import { countdown, rawsOf, answersOf, rulesText } from './quizform.js';

const pct = (x) => `${Math.round((Number(x) || 0) * 100)}%`;

export function mountQuiz({ host, course, lesson, onChange = () => {} }) {
  const quizURL = `/api/v1/courses/${encodeURIComponent(course.id)}/lessons/${encodeURIComponent(lesson.id)}/quiz`;
  const live = h('p', { class: 'visually-hidden', 'aria-live': 'polite', id: 'quiz-live' });
  const box = h('div', { id: 'quiz', class: 'quiz' });
  fill(host, box, live);
  let timer = null;
  let saveTimer = null;
  let state = null;

  const stopTimers = () => { clearInterval(timer); clearTimeout(saveTimer); timer = null; saveTimer = null; };

  async function showSummary(extra = null) {
    stopTimers();
    state = await call(quizURL);
    box.dataset.state = 'summary';
    const rows = state.attempts.map((a) => h('tr', { dataset: { attempt: String(a.number) } },
      h('td', null, `#${a.number}`),
      h('td', null, a.submitted_at ? pct(a.score) : 'in progress'),
      h('td', null, a.submitted_at ? (a.passed ? 'passed' : 'not passed') + (a.late ? ' (time ran out)' : '') : '')));
    const start = h('button', { type: 'button', class: 'primary', id: 'quiz-start', disabled: !state.can_attempt },
      state.open_attempt ? 'Resume attempt' : state.attempts.length ? 'Try again' : 'Start the quiz');
    start.addEventListener('click', () => startAttempt(start));
    let standing = 'Not attempted yet.';
    if (state.score !== null) standing = `Your score: ${pct(state.score)} — ${state.passed ? 'passed ✓' : `pass at ${pct(state.pass_score)}`}`;
    let why = null;
    if (!state.can_attempt && !state.open_attempt) {
      why = state.question_count === 0 ? 'This quiz has no questions yet.' : state.attempts_left === 0 ? 'You have used every attempt.' : 'This quiz is locked.';
    }
    fill(box,
      h('div', { class: 'card quiz-summary', id: 'quiz-summary' },
        h('p', { id: 'quiz-rules', class: 'muted' }, rulesText(state)),
        extra,
        h('p', { id: 'quiz-standing' }, standing),
        state.attempts_left !== null ? h('p', { class: 'muted small', id: 'quiz-attempts-left' }, `${state.attempts_left} attempt${state.attempts_left === 1 ? '' : 's'} left`) : null,
        rows.length ? h('table', { class: 'quiz-attempts', id: 'quiz-attempts' }, h('thead', null, h('tr', null, h('th', null, 'Attempt'), h('th', null, 'Score'), h('th', null, 'Result'))), h('tbody', null, rows)) : null,
        why ? h('p', { class: 'muted', id: 'quiz-why' }, why) : null,
        h('div', { class: 'row' }, start)));
    return state;
  }

  async function startAttempt(btn) {
    btn.disabled = true;
    try {
      showAttempt(await call(`${quizURL}/attempts`, { method: 'POST', body: {} }));
    } catch (err) {
      toast(err.message, 'bad');
      btn.disabled = false;
    }
  }

  function showAttempt(a) {
    stopTimers();
    box.dataset.state = 'attempt';
    box.dataset.attempt = a.id;
    const raws = rawsOf(a.questions, a.answers);
    const touched = new Set(a.answers.filter((x) => Array.isArray(x.response)).map((x) => x.question_id));
    const saved = h('span', { class: 'muted small', id: 'quiz-saved', role: 'status' }, a.saved_at ? 'Answers saved' : '');
    const clock = h('span', { class: 'quiz-clock', id: 'quiz-clock', role: 'timer', 'aria-label': 'Time left' });
    const error = h('p', { class: 'cp-error', role: 'alert', id: 'quiz-error', hidden: true });
    const submitBtn = h('button', { type: 'submit', class: 'primary', id: 'quiz-submit' }, 'Submit answers');
    const form = h('form', { id: 'quiz-form', class: 'card', novalidate: true },
      h('div', { class: 'spread' }, h('h2', null, `Attempt ${a.number}`), clock),
      a.questions.map((q, i) => questionEl(q, i)),
      error,
      h('div', { class: 'row' }, submitBtn, saved));
    fill(box, form);

    function questionEl(q, i) {
      const name = `quiz-q-${i}`;
      const legend = h('legend', { id: `${name}-prompt` }, `${i + 1}. ${q.prompt}`, h('span', { class: 'muted small' }, ` (${q.points} point${q.points === 1 ? '' : 's'})`));
      const fs = h('fieldset', { class: 'cp-question quiz-question', id: name, dataset: { questionId: q.id, type: q.type } }, legend);
      if (q.type === 'single_choice' || q.type === 'true_false' || q.type === 'multiple_choice') {
        const multi = q.type === 'multiple_choice';
        (q.options || []).forEach((o, k) => {
          const id = `${name}-opt-${k}`;
          const input = h('input', { type: multi ? 'checkbox' : 'radio', id, name, value: o.id, checked: multi ? raws[i].includes(o.id) : raws[i] === o.id });
          input.addEventListener('change', () => {
            raws[i] = multi ? [...fs.querySelectorAll('input:checked')].map((x) => x.value) : o.id;
            changed();
          });
          fs.append(h('label', { class: 'cp-option', for: id }, input, h('span', null, o.text)));
        });
      } else if (q.type === 'numeric' || q.type === 'short_text') {
        const input = h('input', { type: 'text', id: `${name}-input`, name, value: raws[i], autocomplete: 'off', inputmode: q.type === 'numeric' ? 'decimal' : null, maxlength: '500', 'aria-labelledby': `${name}-prompt` });
        input.addEventListener('input', () => { raws[i] = input.value; changed(); });
        fs.append(input);
      } else if (q.type === 'ordering') {
        const ol = h('ol', { class: 'cp-order', id: `${name}-order` });
        const text = new Map((q.options || []).map((o) => [o.id, o.text]));
        const draw = (focus) => {
          fill(ol, raws[i].map((id, k) => {
            const mv = (dir, label) => {
              const b = h('button', { type: 'button', class: 'cp-move', 'aria-label': `${label}: ${text.get(id)}`, disabled: dir < 0 ? k === 0 : k === raws[i].length - 1 }, dir < 0 ? '↑' : '↓');
              b.addEventListener('click', () => { raws[i] = moveItem(raws[i], k, dir); touched.add(q.id); draw({ id, dir }); changed(); });
              return b;
            };
            return h('li', { class: 'cp-order-item', dataset: { optionId: id } }, h('span', null, text.get(id)), mv(-1, 'Move up'), mv(1, 'Move down'));
          }));
          if (focus) {
            const li = ol.querySelector(`[data-option-id="${CSS.escape(focus.id)}"]`);
            const b = li && li.querySelectorAll('button')[focus.dir < 0 ? 0 : 1];
            if (b && !b.disabled) b.focus(); else if (li) li.querySelector('button:not([disabled])')?.focus();
          }
        };
        draw();
        fs.append(h('p', { class: 'hint' }, 'Put these in order with the ↑ ↓ buttons.'), ol);
      }
      if (q.hint) fs.append(h('details', { class: 'quiz-hint' }, h('summary', null, 'Hint'), h('p', null, q.hint)));
      return fs;
    }

    const answers = () => answersOf(a.questions, raws, touched);
    async function save() {
      saveTimer = null;
      try {
        await call(`/api/v1/quiz-attempts/${encodeURIComponent(a.id)}/answers`, { method: 'PUT', body: { answers: answers() } });
        saved.textContent = `Answers saved ${new Date().toLocaleTimeString()}`;
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) { await finished(err.message); return; }
        saved.textContent = `Not saved: ${err.message}`;
      }
    }
    function changed() {
      clearTimeout(saveTimer);
      saved.textContent = 'Saving…';
      saveTimer = setTimeout(save, 1000);
    }

    if (a.time_left_seconds !== null && a.time_left_seconds !== undefined) {
      const ends = Date.now() + a.time_left_seconds * 1000;
      let warned = false;
      const tick = () => {
        const left = (ends - Date.now()) / 1000;
        clock.textContent = `⏱ ${countdown(left)}`;
        clock.classList.toggle('low', left <= 60);
        if (!warned && left <= 60 && left > 0) { warned = true; live.textContent = 'One minute left.'; }
        if (left <= 0) {
          clearInterval(timer);
          timer = null;
          live.textContent = 'Time is up: your saved answers are submitted.';
          submit(true);
        }
      };
      tick();
      timer = setInterval(tick, 250);
    }

    let submitting = false;
    async function submit(timeUp = false) {
      if (submitting) return;
      submitting = true;
      submitBtn.disabled = true;
      clearTimeout(saveTimer);
      error.hidden = true;
      try {
        const res = await call(`/api/v1/quiz-attempts/${encodeURIComponent(a.id)}/submit`, { method: 'POST', body: { answers: answers() } });
        showResult(res);
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) { await finished(timeUp ? 'Time is up.' : err.message); return; }
        error.textContent = err.message;
        error.hidden = false;
        submitBtn.disabled = false;
        submitting = false;
      }
    }
    form.addEventListener('submit', (e) => { e.preventDefault(); submit(false); });

    // The attempt ended on the server (time up, or submitted elsewhere): show how it was graded.
    async function finished(why) {
      stopTimers();
      const got = await call(`/api/v1/quiz-attempts/${encodeURIComponent(a.id)}`);
      if (got.state === 'submitted') showResult({ ...got, quiz: null }, why);
      else await showSummary(h('p', { class: 'cp-error' }, why));
    }
  }

  async function showResult(res, why = '') {
    stopTimers();
    const byId = new Map((res.questions || []).map((q) => [q.id, q]));
    const list = h('ol', { class: 'quiz-results', id: 'quiz-results' }, (res.results || []).map((r) => {
      const q = byId.get(r.question_id) || { prompt: r.question_id };
      return h('li', { class: r.correct ? 'ok' : 'bad', dataset: { questionId: r.question_id, correct: String(!!r.correct) } },
        h('p', null, h('strong', null, r.correct ? '✓ ' : '✗ '), q.prompt, r.unanswered ? h('span', { class: 'muted small' }, ' (not answered)') : null),
        r.feedback ? h('p', { class: 'small' }, r.feedback) : null,
        r.explanation ? h('p', { class: 'muted small' }, r.explanation) : null);
    }));
    const head = h('div', { id: 'quiz-result', role: 'status', dataset: { passed: String(!!res.passed) } },
      h('h2', null, `${res.passed ? 'Passed' : 'Not passed'}: ${pct(res.score)}`),
      why || res.late ? h('p', { class: 'muted' }, why || 'The time ran out: your answers saved in time were graded.') : null);
    onChange();
    const st = await showSummary(h('div', { class: 'quiz-last' }, head, list));
    live.textContent = `${res.passed ? 'Passed' : 'Not passed'} with ${pct(res.score)}.${st.completed ? ' The lesson is complete.' : ''}`;
  }

  showSummary().then((st) => { if (st.open_attempt) live.textContent = 'You have an attempt in progress: resume it.'; })
    .catch((err) => fill(box, h('p', { class: 'cp-error', role: 'alert' }, `Could not load the quiz: ${err.message}`)));
  return { refresh: () => showSummary(), destroy: stopTimers };
}
