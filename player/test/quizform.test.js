import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quizDraftOf, quizBody, countdown, rawsOf, answersOf, rulesText } from '../src/lib/quizform.js';

const quiz = {
  attempts_allowed: 2, time_limit_seconds: 600, shuffle_questions: true, shuffle_options: false, scoring: 'last', pass_score: 0.75,
  questions: [
    { id: 'q1', type: 'single_choice', prompt: 'Which?', points: 1, options: [{ id: 'a', text: 'A' }, { id: 'b', text: 'B', correct: true }] },
    { id: 'q2', type: 'numeric', prompt: '2+2', points: 2, answer: 4, tolerance: 0 },
  ],
};

test('a quiz round-trips through the draft', () => {
  const d = quizDraftOf(quiz);
  assert.equal(d.time_limit, '10');
  assert.equal(d.pass_score, '75');
  const { body, error } = quizBody(d);
  assert.equal(error, null);
  assert.equal(body.time_limit_seconds, 600);
  assert.equal(body.pass_score, 0.75);
  assert.equal(body.scoring, 'last');
  assert.equal(body.attempts_allowed, 2);
  assert.equal(body.questions.length, 2);
  assert.equal(body.questions[1].answer, 4);
});

test('the quiz form names its mistakes by the API field', () => {
  const d = quizDraftOf(quiz);
  assert.equal(quizBody({ ...d, time_limit: '0.1' }).error.field, 'time_limit_seconds');
  assert.equal(quizBody({ ...d, time_limit: '' }).body.time_limit_seconds, null);
  assert.equal(quizBody({ ...d, attempts_allowed: '1.5' }).error.field, 'attempts_allowed');
  assert.equal(quizBody({ ...d, pass_score: '101' }).error.field, 'pass_score');
  assert.equal(quizBody({ ...d, questions: [] }).error.field, 'questions');
  const q = { ...d.questions[0], prompt: ' ' };
  assert.equal(quizBody({ ...d, questions: [q] }).error.field, 'questions[0].prompt');
});

test('countdown', () => {
  assert.equal(countdown(75), '1:15');
  assert.equal(countdown(3725), '1:02:05');
  assert.equal(countdown(-3), '0:00');
  assert.equal(countdown(0.2), '0:01');
});

test('saved answers become raw values and back', () => {
  const qs = [
    { id: 's', type: 'single_choice', options: [{ id: 'a' }, { id: 'b' }] },
    { id: 'm', type: 'multiple_choice', options: [{ id: 'a' }, { id: 'b' }] },
    { id: 'n', type: 'numeric' },
    { id: 'o', type: 'ordering', options: [{ id: '2' }, { id: '1' }] },
  ];
  const raws = rawsOf(qs, [{ question_id: 's', response: 'b' }, { question_id: 'n', response: 4 }]);
  assert.deepEqual(raws, ['b', [], '4', ['2', '1']]);
  // the ordering question was not touched: not an answer yet
  assert.deepEqual(answersOf(qs, raws), [{ question_id: 's', response: 'b' }, { question_id: 'n', response: 4 }]);
  assert.deepEqual(answersOf(qs, raws, new Set(['o'])).at(-1), { question_id: 'o', response: ['2', '1'] });
  const back = rawsOf(qs, [{ question_id: 'o', response: ['1', '2'] }, { question_id: 'm', response: ['a'] }]);
  assert.deepEqual(back[3], ['1', '2']);
  assert.deepEqual(back[1], ['a']);
});

test('rules text', () => {
  assert.equal(rulesText({ question_count: 3, attempts_allowed: 0, time_limit_seconds: null, pass_score: 0.8, scoring: 'best' }),
    '3 questions · unlimited attempts · pass at 80% · best attempt counts');
  assert.equal(rulesText({ question_count: 1, attempts_allowed: 1, time_limit_seconds: 90, pass_score: 0.5, scoring: 'first' }),
    '1 question · 1 attempt · 1:30 time limit · pass at 50% · first attempt counts');
});
