// The quiz editor's and the quiz taker's pure logic (unit tested in
// test/quizform.test.js): a quiz from the API as an editable draft and back
// as the PUT body (mistakes named by the API's field paths), the countdown
// text, and an attempt's saved answers as the form's raw values and back.
import { draftQuestion, questionsBody, num, SCORING } from './checkpointform.js';
import { responseOf } from './checkpoints.js';

export const MAX_QUIZ_QUESTIONS = 100;
const str = (v) => (v === null || v === undefined ? '' : String(v));

/** A quiz from the API (staff view, with keys) as the form's draft. */
export function quizDraftOf(q) {
  return {
    attempts_allowed: str(q.attempts_allowed || 0),
    time_limit: q.time_limit_seconds == null ? '' : str(Math.round(q.time_limit_seconds / 6) / 10), // minutes
    shuffle_questions: !!q.shuffle_questions,
    shuffle_options: !!q.shuffle_options,
    scoring: SCORING.includes(q.scoring) ? q.scoring : 'best',
    pass_score: str(Math.round((q.pass_score == null ? 0.8 : Number(q.pass_score)) * 1000) / 10),
    questions: (q.questions || []).map(draftQuestion),
  };
}

/** The draft as the PUT body, or the first mistake found. */
export function quizBody(d) {
  const fail = (field, message) => ({ body: null, error: { field, message } });
  const attempts = num(d.attempts_allowed === '' ? 0 : d.attempts_allowed);
  if (!Number.isInteger(attempts) || attempts < 0 || attempts > 100) return fail('attempts_allowed', 'A whole number from 0 (unlimited) to 100.');
  let limit = null;
  if (str(d.time_limit).trim() !== '') {
    const minutes = num(d.time_limit);
    if (!Number.isFinite(minutes) || minutes * 60 < 30 || minutes * 60 > 86400) return fail('time_limit_seconds', 'Minutes, from 0.5 to 1440; empty for no limit.');
    limit = Math.round(minutes * 60);
  }
  const pass = num(d.pass_score);
  if (!Number.isFinite(pass) || pass < 0 || pass > 100) return fail('pass_score', 'A percentage from 0 to 100.');
  const { questions, error } = questionsBody(d.questions, MAX_QUIZ_QUESTIONS);
  if (error) return { body: null, error };
  return {
    body: {
      attempts_allowed: attempts,
      time_limit_seconds: limit,
      shuffle_questions: !!d.shuffle_questions,
      shuffle_options: !!d.shuffle_options,
      scoring: SCORING.includes(d.scoring) ? d.scoring : 'best',
      pass_score: Math.round(pass * 10) / 1000,
      questions,
    },
    error: null,
  };
}

/** 75 -> "1:15", 3725 -> "1:02:05"; never negative. */
export function countdown(seconds) {
  const s = Math.max(0, Math.ceil(Number(seconds) || 0));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/**
 * An attempt's saved answers as the form's raw values, one per question (an
 * option id, a list of ids, the text typed, the order of ids), in the
 * attempt's question order; an ordering question without a saved answer
 * starts in the order shown.
 */
export function rawsOf(questions, answers) {
  const byId = new Map((answers || []).map((a) => [a.question_id, a.response]));
  return questions.map((q) => {
    const r = byId.get(q.id);
    if (q.type === 'ordering') return Array.isArray(r) ? r.slice() : (q.options || []).map((o) => o.id);
    if (q.type === 'multiple_choice') return Array.isArray(r) ? r.slice() : [];
    if (r === undefined || r === null) return '';
    return q.type === 'numeric' ? String(r) : r;
  });
}

/**
 * The answers to save or submit: every answered question; an ordering
 * question counts as answered once the learner moved something (touched).
 */
export function answersOf(questions, raws, touched = new Set()) {
  const out = [];
  questions.forEach((q, i) => {
    if (q.type === 'ordering' && !touched.has(q.id)) return;
    const response = responseOf(q, raws[i]);
    if (response !== null) out.push({ question_id: q.id, response });
  });
  return out;
}

/** "Best attempt counts · 3 attempts · 10 min · pass at 80%" */
export function rulesText(st) {
  const parts = [`${st.question_count} question${st.question_count === 1 ? '' : 's'}`];
  parts.push(st.attempts_allowed ? `${st.attempts_allowed} attempt${st.attempts_allowed === 1 ? '' : 's'}` : 'unlimited attempts');
  if (st.time_limit_seconds) parts.push(`${countdown(st.time_limit_seconds)} time limit`);
  parts.push(`pass at ${Math.round(st.pass_score * 100)}%`);
  parts.push(`${st.scoring} attempt counts`);
  return parts.join(' · ');
}
