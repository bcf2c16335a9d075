// The checkpoint editor's form logic (pure; unit tested in
// test/checkpointform.test.js): a checkpoint from the API as an editable
// draft, the draft as the POST/PATCH body with the obvious mistakes caught
// before sending (each named by the API's own field path, e.g.
// "questions[1].options[0].text", so the page shows it where the server's
// 422 would be shown), a marker move, and a checkpoint as a learner sees it
// (no keys) for the preview overlay.

export const QUESTION_TYPES = ['single_choice', 'multiple_choice', 'true_false', 'numeric', 'short_text', 'ordering'];
export const TYPE_LABELS = {
  single_choice: 'Single choice',
  multiple_choice: 'Multiple choice',
  true_false: 'True / false',
  numeric: 'Numeric',
  short_text: 'Short text',
  ordering: 'Ordering',
};
export const SCORING = ['best', 'first', 'last'];
/** A marker moved with ← / → moves this far. */
export const KEY_STEP = 0.5;

const CHOICE = new Set(['single_choice', 'multiple_choice']);
const round3 = (x) => Math.round(x * 1000) / 1000;
const str = (v) => (v === null || v === undefined ? '' : String(v));

/** A new question of type, with what it needs to be valid once its texts are filled in. */
export function defaultQuestion(type = 'single_choice') {
  const q = { id: '', type, prompt: '', hint: '', explanation: '', points: '1', options: [], answer: '', tolerance: '0', accepted: '', case_sensitive: false };
  if (CHOICE.has(type)) q.options = [opt('', true), opt('', false)];
  if (type === 'true_false') q.options = [opt('True', true, 'true'), opt('False', false, 'false')];
  if (type === 'ordering') q.options = [opt(''), opt('')];
  return q;
}

function opt(text = '', correct = false, id = '') {
  return { id, text, correct, feedback: '' };
}

/** POST body of "Add checkpoint at current time": one single-choice question to edit. */
export function newCheckpointBody(at) {
  return {
    at: round3(Math.max(0, Number(at) || 0)),
    title: '',
    required: true,
    must_pass: false,
    attempts_allowed: 0,
    scoring: 'best',
    pass_score: 1,
    jump_to: null,
    questions: [{
      type: 'single_choice',
      prompt: 'New question',
      points: 1,
      options: [{ text: 'Right answer', correct: true }, { text: 'Wrong answer', correct: false }],
    }],
  };
}

/** A checkpoint from the API as the form's draft (strings where the form has text inputs). */
export function draftOf(cp) {
  return {
    id: cp.id,
    at: str(cp.at),
    title: str(cp.title),
    required: !!cp.required,
    must_pass: !!cp.must_pass,
    attempts_allowed: str(cp.attempts_allowed || 0),
    scoring: SCORING.includes(cp.scoring) ? cp.scoring : 'best',
    pass_score: str(Math.round((cp.pass_score == null ? 1 : Number(cp.pass_score)) * 1000) / 10),
    jump_to: cp.jump_to == null ? '' : str(cp.jump_to),
    questions: (cp.questions || []).map(draftQuestion),
  };
}

/** A question from the API as the form's draft. */
export function draftQuestion(q) {
  return {
    id: q.id || '',
    type: q.type,
    prompt: str(q.prompt),
    hint: str(q.hint),
    explanation: str(q.explanation),
    points: str(q.points == null ? 1 : q.points),
    options: (q.options || []).map((o) => ({ id: o.id || '', text: str(o.text), correct: !!o.correct, feedback: str(o.feedback) })),
    answer: str(q.answer),
    tolerance: str(q.tolerance || 0),
    accepted: (q.accepted || []).join('\n'),
    case_sensitive: !!q.case_sensitive,
    // Not in the form, kept as they are on a save.
    exact_whitespace: !!q.exact_whitespace,
    correct_feedback: str(q.correct_feedback),
    incorrect_feedback: str(q.incorrect_feedback),
  };
}

/**
 * A question's type changed: keep what still fits (prompt, hint, points, the
 * option texts between the choice and ordering types).
 */
export function changeType(q, type) {
  const next = { ...defaultQuestion(type), id: q.id, prompt: q.prompt, hint: q.hint, explanation: q.explanation, points: q.points };
  const texts = (q.options || []).map((o) => o.text).filter((t) => t.trim());
  if ((CHOICE.has(type) || type === 'ordering') && texts.length >= 2) {
    next.options = texts.map((t, i) => opt(t, CHOICE.has(type) && i === 0));
  }
  return next;
}

export function num(v) {
  if (typeof v === 'number') return v;
  const s = str(v).trim().replace(',', '.');
  if (s === '') return NaN;
  return Number(s);
}

/**
 * The draft as the request body, or the first mistake found.
 * @param {object} d  draftOf(...) as the form changed it
 * @param {{duration?:number}} [ctx]
 * @returns {{body:object|null, error:{field:string, message:string}|null}}
 */
export function checkpointBody(d, { duration = 0 } = {}) {
  const fail = (field, message) => ({ body: null, error: { field, message } });
  const at = num(d.at);
  if (!Number.isFinite(at) || at < 0) return fail('at', 'A time in seconds, 0 or more.');
  if (duration > 0 && at > duration) return fail('at', `Must be within the video (${round3(duration)} s long).`);
  const attempts = num(d.attempts_allowed === '' ? 0 : d.attempts_allowed);
  if (!Number.isInteger(attempts) || attempts < 0 || attempts > 100) return fail('attempts_allowed', 'A whole number from 0 (unlimited) to 100.');
  const pass = num(d.pass_score);
  if (!Number.isFinite(pass) || pass < 0 || pass > 100) return fail('pass_score', 'A percentage from 0 to 100.');
  let jump = null;
  if (str(d.jump_to).trim() !== '') {
    jump = num(d.jump_to);
    if (!Number.isFinite(jump) || jump < 0 || jump >= at) return fail('jump_to', 'A time before the checkpoint, or empty.');
  }
  const { questions, error } = questionsBody(d.questions);
  if (error) return { body: null, error };
  return {
    body: {
      at: round3(at),
      title: str(d.title).trim(),
      required: !!d.required,
      must_pass: !!d.must_pass,
      attempts_allowed: attempts,
      scoring: SCORING.includes(d.scoring) ? d.scoring : 'best',
      pass_score: Math.round(pass * 10) / 1000,
      jump_to: jump === null ? null : round3(jump),
      questions,
    },
    error: null,
  };
}

/** Draft questions as the API's questions, or the first mistake (at least one question, at most max). */
export function questionsBody(qs, max = 20) {
  qs = qs || [];
  if (!qs.length) return { questions: null, error: { field: 'questions', message: 'Add at least one question.' } };
  if (qs.length > max) return { questions: null, error: { field: 'questions', message: `At most ${max} questions.` } };
  const questions = [];
  for (let i = 0; i < qs.length; i++) {
    const r = questionBody(qs[i], `questions[${i}]`);
    if (r.error) return { questions: null, error: r.error };
    questions.push(r.body);
  }
  return { questions, error: null };
}

function questionBody(q, f) {
  const fail = (field, message) => ({ body: null, error: { field, message } });
  if (!QUESTION_TYPES.includes(q.type)) return fail(`${f}.type`, 'Choose a question type.');
  const prompt = str(q.prompt).trim();
  if (!prompt) return fail(`${f}.prompt`, 'Write the question.');
  const points = num(q.points === '' ? 1 : q.points);
  if (!Number.isFinite(points) || points <= 0 || points > 1000) return fail(`${f}.points`, 'Points above 0, at most 1000.');
  const out = { type: q.type, prompt, points };
  if (q.id) out.id = q.id;
  if (str(q.hint).trim()) out.hint = str(q.hint).trim();
  if (str(q.explanation).trim()) out.explanation = str(q.explanation).trim();
  if (str(q.correct_feedback).trim()) out.correct_feedback = str(q.correct_feedback).trim();
  if (str(q.incorrect_feedback).trim()) out.incorrect_feedback = str(q.incorrect_feedback).trim();

  if (q.type === 'numeric') {
    const answer = num(q.answer);
    if (!Number.isFinite(answer)) return fail(`${f}.answer`, 'The right answer, a number.');
    const tol = num(q.tolerance === '' ? 0 : q.tolerance);
    if (!Number.isFinite(tol) || tol < 0) return fail(`${f}.tolerance`, 'A tolerance of 0 or more.');
    return { body: { ...out, answer, tolerance: tol }, error: null };
  }
  if (q.type === 'short_text') {
    const accepted = str(q.accepted).split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
    if (!accepted.length) return fail(`${f}.accepted`, 'At least one accepted answer, one per line.');
    if (accepted.length > 20) return fail(`${f}.accepted`, 'At most 20 accepted answers.');
    const seen = new Set();
    for (const a of accepted) {
      const k = q.case_sensitive ? a : a.toLowerCase();
      if (seen.has(k)) return fail(`${f}.accepted`, `“${a}” is listed twice.`);
      seen.add(k);
    }
    const body = { ...out, accepted, case_sensitive: !!q.case_sensitive };
    if (q.exact_whitespace) body.exact_whitespace = true;
    return { body, error: null };
  }

  const options = q.options || [];
  const of = `${f}.options`;
  if (q.type === 'true_false') {
    if (options.length !== 2) return fail(of, 'A true/false question has two options: True, then False.');
    const right = options.findIndex((o) => o.correct);
    if (right < 0) return fail(of, 'Pick the correct one: True or False.');
    return {
      body: {
        ...out,
        options: options.map((o, i) => {
          const b = { id: i === 0 ? 'true' : 'false', text: str(o.text).trim() || (i === 0 ? 'True' : 'False'), correct: i === right };
          if (str(o.feedback).trim()) b.feedback = str(o.feedback).trim();
          return b;
        }),
      },
      error: null,
    };
  }
  if (options.length < 2 || options.length > 20) return fail(of, 'Give 2 to 20 options.');
  const seen = new Set();
  const body = [];
  for (let i = 0; i < options.length; i++) {
    const o = options[i];
    const text = str(o.text).trim();
    if (!text) return fail(`${of}[${i}].text`, 'Write the option.');
    if (seen.has(text.toLowerCase())) return fail(`${of}[${i}].text`, 'Two options say the same.');
    seen.add(text.toLowerCase());
    const b = { text };
    if (o.id) b.id = o.id;
    if (q.type !== 'ordering') {
      b.correct = !!o.correct;
      if (str(o.feedback).trim()) b.feedback = str(o.feedback).trim();
    }
    body.push(b);
  }
  const right = body.filter((o) => o.correct).length;
  if (q.type === 'single_choice' && right !== 1) return fail(of, 'Mark exactly one option correct.');
  if (q.type === 'multiple_choice' && right < 1) return fail(of, 'Mark at least one option correct.');
  return { body: { ...out, options: body }, error: null };
}

/** Where a marker lands after a move by delta seconds: within [0, duration], to the millisecond. */
export function movedAt(at, delta, duration) {
  const max = Number(duration) > 0 ? Number(duration) : Infinity;
  return round3(Math.min(max, Math.max(0, (Number(at) || 0) + delta)));
}

/** The checkpoint as the learner's overlay gets it from the playback: no keys, a fresh attempt. */
export function learnerView(cp) {
  return {
    id: cp.id,
    at: cp.at,
    title: cp.title || '',
    required: !!cp.required,
    must_pass: !!cp.must_pass,
    passed: false,
    attempts: 0,
    attempts_allowed: cp.attempts_allowed || 0,
    can_attempt: true,
    jump_to: cp.jump_to == null ? null : cp.jump_to,
    questions: (cp.questions || []).map((q) => ({
      id: q.id,
      type: q.type,
      prompt: q.prompt,
      hint: q.hint || '',
      points: q.points == null ? 1 : q.points,
      // ordering: the learner must not see the correct order; reversed is never it
      options: (q.type === 'ordering' ? [...(q.options || [])].reverse() : (q.options || [])).map((o) => ({ id: o.id, text: o.text })),
    })),
  };
}
