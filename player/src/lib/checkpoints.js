// Interactive checkpoints on the learner's side: which checkpoint playback
// has reached (createCheckpointPlan), the answers and what to offer after
// an attempt (pure; unit tested in test/checkpoints.test.js), and the
// overlay that asks the questions (openCheckpointOverlay, DOM).
//
// The overlay knows nothing it could grade with: the questions come without
// keys, answers are POSTed, and what it shows after Submit is what the
// server answered (correct or not, feedback, explanation, passed, jump_to,
// attempts left).
import { formatTime } from './format.js';

/** How close to its time playback must be for a checkpoint to count as reached (s). */
export const AT_TOLERANCE = 0.25;
/** Playback is stopped this far before a checkpoint's time at most (s). */
export const EARLY = 0.05;

export const QUESTION_TYPES = ['single_choice', 'multiple_choice', 'true_false', 'numeric', 'short_text', 'ordering'];

/** Done with: passed, or (when passing is not needed) attempted. */
export function isSatisfied(cp) {
  return !!cp.passed || (!cp.must_pass && (cp.attempts || 0) > 0);
}

/** A checkpoint the learner cannot watch past: required and not done with. */
export function stopsLearner(cp) {
  return !!cp.required && !isSatisfied(cp);
}

function normalize(list) {
  return (Array.isArray(list) ? list : [])
    .filter((c) => c && typeof c.id === 'string' && Number.isFinite(Number(c.at)))
    .map((c) => ({ ...c, at: Number(c.at), attempts: Number(c.attempts) || 0, questions: Array.isArray(c.questions) ? c.questions : [] }))
    .sort((a, b) => a.at - b.at);
}

/**
 * The lesson's checkpoints and where playback stands with them.
 * A checkpoint is pending (shown when reached) while it is not satisfied,
 * not skipped on this page, and can still be attempted (a required one
 * without attempts left is still shown: it says so).
 */
export function createCheckpointPlan(list) {
  let cps = normalize(list);
  const skipped = new Set();
  const pending = (c) => !isSatisfied(c) && !skipped.has(c.id) && (c.can_attempt !== false || c.required);

  return {
    list: () => cps,
    get: (id) => cps.find((c) => c.id === id) || null,
    /** A refreshed playback's checkpoints (what was skipped here stays skipped). */
    update(next) { cps = normalize(next); },
    /** An attempt's answer (POST …/attempts) applied to its checkpoint. */
    applyResult(id, res) {
      const c = cps.find((x) => x.id === id);
      if (!c || !res) return;
      c.attempts += 1;
      if (res.passed) c.passed = true;
      if (typeof res.can_attempt === 'boolean') c.can_attempt = res.can_attempt;
      if ('attempts_left' in res) c.attempts_left = res.attempts_left;
    },
    /** A checkpoint that is not required, skipped: not shown again on this page. */
    skip(id) { skipped.add(id); },
    /** Playing from prev to t: the first pending checkpoint crossed (or null). */
    reached(prev, t) {
      if (!Number.isFinite(prev) || !Number.isFinite(t) || t < prev) return null;
      return cps.find((c) => pending(c) && prev <= c.at + AT_TOLERANCE && t >= c.at - EARLY) || null;
    },
    /** A pending checkpoint at t (within the tolerance), or null. */
    at(t) {
      return cps.find((c) => pending(c) && Math.abs(c.at - t) <= AT_TOLERANCE) || null;
    },
    /** The next pending checkpoint after t, or null. */
    next(t) {
      return cps.find((c) => pending(c) && c.at >= t - AT_TOLERANCE) || null;
    },
    /** A forward seek from → to stops at the first checkpoint on the way that stops the learner. */
    clamp(from, to) {
      if (!(to > from)) return to;
      const c = cps.find((x) => stopsLearner(x) && x.at > from + AT_TOLERANCE && x.at < to);
      return c ? c.at : to;
    },
    /** A checkpoint that stops the learner and lies before t (a seek that got past it), or null. */
    passedOver(t) {
      return cps.find((c) => stopsLearner(c) && c.at < t - AT_TOLERANCE) || null;
    },
    /** Seek bar markers. */
    markers: () => cps.map((c) => ({ at: c.at, done: isSatisfied(c), required: !!c.required, title: c.title || '' })),
  };
}

// ---------------------------------------------------------------- answers

/**
 * One question's response from what the form holds (raw: the chosen option
 * id, the chosen ids, the typed text, the order of ids) → the response, or
 * null when unanswered.
 */
export function responseOf(q, raw) {
  switch (q.type) {
    case 'single_choice':
    case 'true_false':
      return typeof raw === 'string' && raw ? raw : null;
    case 'multiple_choice':
      return Array.isArray(raw) && raw.length ? raw.slice() : null;
    case 'numeric': {
      const s = String(raw ?? '').trim().replace(',', '.');
      if (!s) return null;
      const n = Number(s);
      return Number.isFinite(n) ? n : null;
    }
    case 'short_text': {
      const s = String(raw ?? '').trim();
      return s ? s : null;
    }
    case 'ordering':
      return Array.isArray(raw) && raw.length ? raw.slice() : null;
    default:
      return null;
  }
}

/** The attempt body's answers, and the indexes of the questions left unanswered. */
export function buildAnswers(questions, raws) {
  const answers = [];
  const missing = [];
  questions.forEach((q, i) => {
    const response = responseOf(q, raws[i]);
    if (response === null) missing.push(i);
    else answers.push({ question_id: q.id, response });
  });
  return { answers, missing };
}

/** list with item i moved one place (dir -1 up, +1 down); unchanged at the edges. */
export function moveItem(list, i, dir) {
  const j = i + dir;
  if (i < 0 || i >= list.length || j < 0 || j >= list.length) return list.slice();
  const out = list.slice();
  [out[i], out[j]] = [out[j], out[i]];
  return out;
}

/** "Attempt 2 of 3" / "Attempt 2" (unlimited) / "No attempts left". */
export function attemptsText(cp) {
  const used = cp.attempts || 0;
  if (cp.can_attempt === false) return 'No attempts left';
  return cp.attempts_allowed > 0 ? `Attempt ${used + 1} of ${cp.attempts_allowed}` : `Attempt ${used + 1}`;
}

const percent = (x) => `${Math.round((Number(x) || 0) * 100)}%`;

/**
 * What the overlay shows after an attempt (res: the server's answer).
 * actions, in order: 'continue' (passed, or passing not needed), 'rewatch'
 * (failed with jump_to), 'retry' (failed with attempts left), 'close' (the
 * learner is stuck: nothing else to do).
 */
export function resultView(cp, res) {
  const results = Array.isArray(res.results) ? res.results : [];
  const right = results.filter((r) => r.correct).length;
  const left = res.attempts_left;
  const leftText = left == null ? '' : ` ${left} attempt${left === 1 ? '' : 's'} left.`;
  if (res.passed) {
    return { passed: true, summary: `Passed: ${right} of ${results.length} correct (score ${percent(res.score)}).`, actions: ['continue'], rewatchAt: null };
  }
  const actions = [];
  const rewatchAt = Number.isFinite(Number(res.jump_to)) && res.jump_to !== null ? Number(res.jump_to) : null;
  if (!cp.required || !cp.must_pass) actions.push('continue');
  if (rewatchAt !== null) actions.push('rewatch');
  if (res.can_attempt !== false) actions.push('retry');
  let summary = `Not passed: ${right} of ${results.length} correct (score ${percent(res.score)}).`;
  if (res.can_attempt === false) summary += ' No attempts left.';
  else summary += leftText;
  if (!actions.length) actions.push('close');
  return { passed: false, summary, actions, rewatchAt };
}

/** The button text of an action. */
export function actionLabel(action, rewatchAt) {
  switch (action) {
    case 'continue': return 'Continue';
    case 'rewatch': return `Re-watch from ${formatTime(rewatchAt)}`;
    case 'retry': return 'Try again';
    case 'skip': return 'Skip';
    default: return 'Close';
  }
}

// ---------------------------------------------------------------- the overlay (DOM)

function el(doc, tag, attrs, ...children) {
  const n = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k === 'dataset') Object.assign(n.dataset, v);
    else if (k === 'hidden') n.hidden = true;
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    n.append(c instanceof doc.defaultView.Node ? c : String(c));
  }
  return n;
}

const FOCUSABLE = 'button:not([disabled]):not([hidden]), input:not([disabled]), [tabindex="0"]';

/**
 * Show a checkpoint over the video.
 * @param {object} p
 * @param {HTMLElement} p.layer  the player's #checkpoints element
 * @param {object} p.checkpoint  from the playback (no keys)
 * @param {(answers:object[]) => Promise<object>} p.submit  POST the attempt → the server's answer
 * @param {(res:object) => (Promise<void>|void)} p.onContinue  passed (or passing not needed): go on
 * @param {(t:number) => void} p.onRewatch  failed with jump_to
 * @param {() => void} p.onSkip  a checkpoint that is not required, skipped (Skip or Escape)
 * @param {() => void} p.onClose  the learner closed a checkpoint they cannot get past
 * @param {(res:object) => void} [p.onResult]  after each answered attempt (the server's answer)
 * @returns {{close():void, element:HTMLElement}}
 */
export function openCheckpointOverlay({ layer, checkpoint, submit, onContinue, onRewatch, onSkip, onClose, onResult = () => {} }) {
  const doc = layer.ownerDocument;
  const host = layer.parentElement; // #player
  const cp = { ...checkpoint }; // attempts and the like change here as the server answers; the caller's object is left alone
  const questions = cp.questions || [];
  const order = questions.map((q) => (q.options || []).map((o) => o.id)); // ordering questions: current order
  let lastRes = null;
  let closed = false;

  const title = el(doc, 'h2', { id: 'checkpoint-title', class: 'cp-title' }, cp.title || 'Checkpoint');
  const meta = el(doc, 'p', { id: 'checkpoint-meta', class: 'cp-meta' });
  const error = el(doc, 'p', { id: 'checkpoint-error', class: 'cp-error', role: 'alert', hidden: true });
  const result = el(doc, 'div', { id: 'checkpoint-result', class: 'cp-result', role: 'status', 'aria-live': 'polite' });
  const live = el(doc, 'p', { id: 'checkpoint-live', class: 'cp-visually-hidden', 'aria-live': 'polite' });
  const actions = el(doc, 'div', { class: 'cp-actions', id: 'checkpoint-actions' });
  const submitBtn = el(doc, 'button', { type: 'submit', id: 'checkpoint-submit', class: 'cp-btn cp-primary' }, 'Submit');
  const skipBtn = cp.required ? null : el(doc, 'button', { type: 'button', id: 'checkpoint-skip', class: 'cp-btn' }, 'Skip');
  const fieldsets = questions.map((q, i) => renderQuestion(q, i));
  const form = el(doc, 'form', { id: 'checkpoint-form', class: 'cp-card', novalidate: true }, title, meta, fieldsets, error, result, live, actions);
  const overlay = el(doc, 'div', {
    id: 'checkpoint-overlay', class: 'cp-overlay', role: 'dialog', 'aria-modal': 'true',
    'aria-labelledby': 'checkpoint-title', 'aria-describedby': 'checkpoint-meta',
    dataset: { checkpointId: cp.id, state: 'answering' },
  }, form);

  // ---------------------------------------------------------------- questions
  function renderQuestion(q, i) {
    const points = Number(q.points) || 1;
    const legend = el(doc, 'legend', { class: 'cp-prompt', id: `cp-${i}-prompt` },
      questions.length > 1 ? `${i + 1}. ` : '', q.prompt || '',
      el(doc, 'span', { class: 'cp-points' }, ` (${points} point${points === 1 ? '' : 's'})`));
    const fs = el(doc, 'fieldset', { class: 'cp-question', id: `cp-q-${i}`, dataset: { questionId: q.id, type: q.type } }, legend);
    const name = `cp-q-${i}`;
    if (q.type === 'single_choice' || q.type === 'true_false' || q.type === 'multiple_choice') {
      let opts = q.options || [];
      if (q.type === 'true_false' && !opts.length) opts = [{ id: 'true', text: 'True' }, { id: 'false', text: 'False' }];
      const type = q.type === 'multiple_choice' ? 'checkbox' : 'radio';
      const group = el(doc, 'div', { class: 'cp-options', role: type === 'radio' ? 'radiogroup' : 'group', 'aria-labelledby': `cp-${i}-prompt` });
      opts.forEach((o, oi) => {
        const id = `cp-${i}-opt-${oi}`;
        const input = el(doc, 'input', { type, id, name, value: o.id, dataset: { optionId: o.id } });
        group.append(el(doc, 'label', { class: 'cp-option', for: id }, input, el(doc, 'span', null, o.text || '')));
      });
      fs.append(group);
    } else if (q.type === 'numeric') {
      fs.append(el(doc, 'label', { class: 'cp-field', for: `cp-${i}-number` }, 'Your answer',
        el(doc, 'input', { type: 'text', inputmode: 'decimal', id: `cp-${i}-number`, name, autocomplete: 'off', 'aria-describedby': `cp-${i}-prompt` })));
    } else if (q.type === 'short_text') {
      fs.append(el(doc, 'label', { class: 'cp-field', for: `cp-${i}-text` }, 'Your answer',
        el(doc, 'input', { type: 'text', id: `cp-${i}-text`, name, maxlength: '500', autocomplete: 'off', 'aria-describedby': `cp-${i}-prompt` })));
    } else if (q.type === 'ordering') {
      fs.append(el(doc, 'p', { class: 'cp-help', id: `cp-${i}-help` }, 'Put these in order: use the ↑ ↓ buttons, or Alt + ↑ / ↓ on an item.'));
      fs.append(el(doc, 'ol', { class: 'cp-order', id: `cp-${i}-order`, 'aria-describedby': `cp-${i}-help` }));
      renderOrder(fs, q, i);
    } else {
      fs.append(el(doc, 'p', { class: 'cp-help' }, 'This question cannot be shown here.'));
    }
    if (q.hint) {
      const hint = el(doc, 'p', { class: 'cp-hint', id: `cp-${i}-hint`, hidden: true }, q.hint);
      const toggle = el(doc, 'button', { type: 'button', class: 'cp-link', id: `cp-${i}-hint-toggle`, 'aria-expanded': 'false', 'aria-controls': `cp-${i}-hint` }, 'Show hint');
      toggle.addEventListener('click', () => {
        const show = hint.hidden;
        hint.hidden = !show;
        toggle.setAttribute('aria-expanded', String(show));
        toggle.textContent = show ? 'Hide hint' : 'Show hint';
      });
      fs.append(toggle, hint);
    }
    fs.append(el(doc, 'div', { class: 'cp-q-result', id: `cp-${i}-result`, hidden: true }));
    return fs;
  }

  function renderOrder(fs, q, i, focusId = null) {
    const ol = fs.querySelector(`#cp-${i}-order`) || fs.querySelector('.cp-order');
    const text = new Map((q.options || []).map((o) => [o.id, o.text || '']));
    ol.textContent = '';
    const ids = order[i];
    ids.forEach((id, k) => {
      const up = el(doc, 'button', { type: 'button', class: 'cp-move', 'aria-label': `Move up: ${text.get(id)}`, disabled: k === 0, dataset: { dir: '-1' } }, '↑');
      const down = el(doc, 'button', { type: 'button', class: 'cp-move', 'aria-label': `Move down: ${text.get(id)}`, disabled: k === ids.length - 1, dataset: { dir: '1' } }, '↓');
      const li = el(doc, 'li', { class: 'cp-order-item', id: `cp-${i}-item-${k}`, tabindex: '0', dataset: { optionId: id } },
        el(doc, 'span', { class: 'cp-order-text' }, text.get(id)), up, down);
      const move = (dir, focusDir) => {
        if (overlay.dataset.state !== 'answering') return;
        const from = order[i].indexOf(id);
        const next = moveItem(order[i], from, dir);
        if (next.join('\u0000') === order[i].join('\u0000')) return;
        order[i] = next;
        renderOrder(fs, q, i, { id, part: focusDir });
        live.textContent = `${text.get(id)}: position ${next.indexOf(id) + 1} of ${next.length}`;
      };
      up.addEventListener('click', () => move(-1, 'up'));
      down.addEventListener('click', () => move(1, 'down'));
      li.addEventListener('keydown', (e) => {
        if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
        e.preventDefault();
        move(e.key === 'ArrowUp' ? -1 : 1, 'item');
      });
      ol.append(li);
    });
    if (focusId) {
      const li = ol.querySelector(`[data-option-id="${cssEscape(focusId.id)}"]`);
      if (li) {
        const buttons = li.querySelectorAll('button');
        const want = focusId.part === 'up' ? buttons[0] : focusId.part === 'down' ? buttons[1] : li;
        (want && !want.disabled ? want : li).focus();
      }
    }
  }

  function rawOf(q, i) {
    const fs = fieldsets[i];
    switch (q.type) {
      case 'single_choice':
      case 'true_false': {
        const c = fs.querySelector('input:checked');
        return c ? c.value : null;
      }
      case 'multiple_choice': return [...fs.querySelectorAll('input:checked')].map((n) => n.value);
      case 'numeric':
      case 'short_text': { const n = fs.querySelector('input'); return n ? n.value : ''; }
      case 'ordering': return order[i].slice();
      default: return null;
    }
  }

  // ---------------------------------------------------------------- states
  function setState(state) {
    overlay.dataset.state = state;
  }
  function setInputs(enabled) {
    for (const n of form.querySelectorAll('.cp-question input, .cp-question .cp-move')) n.disabled = !enabled;
    if (enabled) for (const fs of fieldsets) if (fs.querySelector('.cp-order')) renderOrder(fs, questions[fieldsets.indexOf(fs)], fieldsets.indexOf(fs));
  }
  function showError(text, qi = -1) {
    error.textContent = text;
    error.hidden = !text;
    for (const fs of fieldsets) fs.removeAttribute('aria-invalid');
    if (qi >= 0 && fieldsets[qi]) {
      fieldsets[qi].setAttribute('aria-invalid', 'true');
      const first = fieldsets[qi].querySelector(FOCUSABLE);
      if (first) first.focus();
    }
  }
  function clearResults() {
    result.textContent = '';
    for (const fs of fieldsets) {
      delete fs.dataset.result;
      const r = fs.querySelector('.cp-q-result');
      r.textContent = '';
      r.hidden = true;
    }
  }
  function setActions(list, rewatchAt = null) {
    actions.textContent = '';
    for (const a of list) {
      if (a === 'submit') { actions.append(submitBtn); continue; }
      if (a === 'skip') { if (skipBtn) actions.append(skipBtn); continue; }
      const b = el(doc, 'button', { type: 'button', id: `checkpoint-${a}`, class: `cp-btn${a === list[0] ? ' cp-primary' : ''}`, dataset: { action: a } }, actionLabel(a, rewatchAt));
      b.addEventListener('click', () => act(a, b, rewatchAt));
      actions.append(b);
    }
  }
  function refreshMeta() {
    const parts = [cp.required ? (cp.must_pass ? 'Required: pass to go on' : 'Required') : 'Optional', attemptsText(cp)];
    meta.textContent = parts.join(' · ');
  }

  function answering() {
    setState('answering');
    clearResults();
    showError('');
    refreshMeta();
    setInputs(true);
    submitBtn.disabled = false;
    setActions(['submit', 'skip']);
    focusFirst();
  }

  function exhausted() {
    setState('exhausted');
    setInputs(false);
    refreshMeta();
    result.textContent = cp.required && cp.must_pass
      ? 'You have used every attempt at this checkpoint, so the video cannot go on past it.'
      : 'You have used every attempt at this checkpoint.';
    setActions(cp.required && cp.must_pass ? ['close'] : ['continue']);
    focusFirst();
  }

  function showResult(res) {
    lastRes = res;
    const view = resultView(cp, res);
    setState(view.passed ? 'passed' : 'failed');
    setInputs(false);
    const byId = new Map((res.results || []).map((r) => [r.question_id, r]));
    const spoken = [view.summary];
    questions.forEach((q, i) => {
      const r = byId.get(q.id);
      const fs = fieldsets[i];
      const box = fs.querySelector('.cp-q-result');
      box.textContent = '';
      if (!r) return;
      fs.dataset.result = r.correct ? 'correct' : 'incorrect';
      box.hidden = false;
      box.append(el(doc, 'p', { class: 'cp-verdict' }, r.correct ? '✓ Correct' : '✗ Incorrect'));
      if (r.feedback) box.append(el(doc, 'p', { class: 'cp-feedback' }, r.feedback));
      if (r.explanation) box.append(el(doc, 'p', { class: 'cp-explanation' }, el(doc, 'strong', null, 'Explanation: '), r.explanation));
      if (questions.length > 1) spoken.push(`Question ${i + 1}: ${r.correct ? 'correct' : 'incorrect'}.`);
    });
    result.textContent = spoken.join(' ');
    refreshMeta();
    setActions(view.actions, view.rewatchAt);
    const first = actions.querySelector('button');
    if (first) first.focus();
  }

  async function act(a, button, rewatchAt) {
    if (a === 'retry') { answering(); return; }
    if (a === 'rewatch') { close(); onRewatch(rewatchAt); return; }
    if (a === 'close') { close(); onClose(); return; }
    if (a === 'continue') {
      button.disabled = true;
      button.textContent = 'Loading…';
      try {
        await onContinue(lastRes);
      } finally {
        close();
      }
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (overlay.dataset.state !== 'answering') return;
    const { answers, missing } = buildAnswers(questions, questions.map(rawOf));
    if (missing.length) {
      showError(missing.length === questions.length && questions.length === 1 ? 'Answer the question first.' : `Answer every question first (question ${missing.map((m) => m + 1).join(', ')}).`, missing[0]);
      return;
    }
    showError('');
    setState('submitting');
    submitBtn.disabled = true;
    setInputs(false);
    let res;
    try {
      res = await submit(answers);
    } catch (err) {
      if (closed) return;
      if (err && err.status === 409) {
        cp.can_attempt = false;
        exhausted();
        return;
      }
      setState('answering');
      setInputs(true);
      submitBtn.disabled = false;
      const m = err && err.field ? /answers\[(\d+)\]/.exec(err.field) : null;
      const qi = m ? questions.findIndex((q) => answers[Number(m[1])] && q.id === answers[Number(m[1])].question_id) : -1;
      showError((err && err.message) || 'Your answers could not be sent. Try again.', qi);
      return;
    }
    if (closed) return;
    cp.attempts = (cp.attempts || 0) + 1;
    if (res.passed) cp.passed = true;
    if (typeof res.can_attempt === 'boolean') cp.can_attempt = res.can_attempt;
    onResult(res);
    showResult(res);
  });

  if (skipBtn) skipBtn.addEventListener('click', () => { close(); onSkip(); });

  // ---------------------------------------------------------------- modal behaviour
  function focusables() {
    return [...overlay.querySelectorAll(FOCUSABLE)].filter((n) => !n.closest('[hidden]'));
  }
  function focusFirst() {
    const first = form.querySelector('.cp-question input:not([disabled]), .cp-question [tabindex="0"]') || focusables()[0];
    if (first) first.focus();
  }
  overlay.addEventListener('keydown', (e) => {
    e.stopPropagation(); // the player's shortcuts (space, arrows, k, f…) stay out of the form
    if (e.key === 'Escape') {
      if (!cp.required) { e.preventDefault(); close(); onSkip(); }
      return;
    }
    if (e.key !== 'Tab') return;
    const list = focusables();
    if (!list.length) { e.preventDefault(); return; }
    const i = list.indexOf(doc.activeElement);
    if (e.shiftKey && (i <= 0)) { e.preventDefault(); list[list.length - 1].focus(); }
    else if (!e.shiftKey && (i === list.length - 1 || i < 0)) { e.preventDefault(); list[0].focus(); }
  });
  // clicks on the overlay stay on it (the video under it toggles play on click)
  overlay.addEventListener('click', (e) => e.stopPropagation());

  const madeInert = [];
  if (host) {
    for (const n of host.children) {
      if (n !== layer && !n.inert) { n.inert = true; madeInert.push(n); }
    }
    host.dataset.checkpoint = 'open';
  }
  const previousFocus = doc.activeElement;

  function close() {
    if (closed) return;
    closed = true;
    overlay.remove();
    for (const n of madeInert) n.inert = false;
    if (host) delete host.dataset.checkpoint;
    if (host && previousFocus && host.contains(previousFocus) && previousFocus.focus) previousFocus.focus({ preventScroll: true });
  }

  layer.append(overlay);
  if (cp.can_attempt === false && !isSatisfied(cp)) exhausted();
  else answering();

  return { close, element: overlay };
}

function cssEscape(s) {
  return globalThis.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, '\\$&');
}
