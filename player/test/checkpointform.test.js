// The checkpoint editor's form logic: drafts, request bodies, the mistakes caught before sending.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultQuestion, newCheckpointBody, draftOf, changeType, checkpointBody, movedAt, learnerView, KEY_STEP,
} from '../src/lib/checkpointform.js';

const saved = () => ({
  id: 'cp1', at: 12.5, title: 'Check', required: true, must_pass: true, attempts_allowed: 3, scoring: 'first', pass_score: 0.8, jump_to: 4,
  questions: [
    { id: 'q1', type: 'single_choice', prompt: 'Which?', points: 2, hint: 'h', options: [{ id: 'a', text: 'A', correct: true, feedback: 'yes' }, { id: 'b', text: 'B', correct: false }] },
    { id: 'q2', type: 'numeric', prompt: 'How many?', points: 1, answer: 42, tolerance: 0.5 },
    { id: 'q3', type: 'short_text', prompt: 'Name it', points: 1, accepted: ['Paris', 'paris city'], case_sensitive: false },
    { id: 'q4', type: 'ordering', prompt: 'Order', points: 1, options: [{ id: 'o1', text: 'first' }, { id: 'o2', text: 'second' }, { id: 'o3', text: 'third' }] },
    { id: 'q5', type: 'true_false', prompt: 'Sky is blue', points: 1, options: [{ id: 'true', text: 'True', correct: true }, { id: 'false', text: 'False', correct: false }] },
  ],
});

test('a saved checkpoint round-trips through the draft to the same body', () => {
  const { body, error } = checkpointBody(draftOf(saved()), { duration: 60 });
  assert.equal(error, null);
  assert.deepEqual(body, {
    at: 12.5, title: 'Check', required: true, must_pass: true, attempts_allowed: 3, scoring: 'first', pass_score: 0.8, jump_to: 4,
    questions: [
      { id: 'q1', type: 'single_choice', prompt: 'Which?', points: 2, hint: 'h', options: [{ id: 'a', text: 'A', correct: true, feedback: 'yes' }, { id: 'b', text: 'B', correct: false }] },
      { id: 'q2', type: 'numeric', prompt: 'How many?', points: 1, answer: 42, tolerance: 0.5 },
      { id: 'q3', type: 'short_text', prompt: 'Name it', points: 1, accepted: ['Paris', 'paris city'], case_sensitive: false },
      { id: 'q4', type: 'ordering', prompt: 'Order', points: 1, options: [{ id: 'o1', text: 'first' }, { id: 'o2', text: 'second' }, { id: 'o3', text: 'third' }] },
      { id: 'q5', type: 'true_false', prompt: 'Sky is blue', points: 1, options: [{ id: 'true', text: 'True', correct: true }, { id: 'false', text: 'False', correct: false }] },
    ],
  });
});

test('the draft holds the pass score in percent and an empty jump_to as null', () => {
  const d = draftOf({ ...saved(), pass_score: 0.75, jump_to: null });
  assert.equal(d.pass_score, '75');
  assert.equal(d.jump_to, '');
  assert.equal(d.questions[2].accepted, 'Paris\nparis city');
  const { body } = checkpointBody({ ...d, pass_score: '62.5' });
  assert.equal(body.pass_score, 0.625);
  assert.equal(body.jump_to, null);
});

test('the obvious mistakes are caught, each named by the API field path', () => {
  const cases = [
    ['negative time', (d) => { d.at = '-1'; }, 'at'],
    ['past the end', (d) => { d.at = '99'; }, 'at'],
    ['attempts not whole', (d) => { d.attempts_allowed = '1.5'; }, 'attempts_allowed'],
    ['pass score over 100', (d) => { d.pass_score = '120'; }, 'pass_score'],
    ['jump_to after the checkpoint', (d) => { d.jump_to = '20'; }, 'jump_to'],
    ['no questions', (d) => { d.questions = []; }, 'questions'],
    ['empty prompt', (d) => { d.questions[0].prompt = '  '; }, 'questions[0].prompt'],
    ['zero points', (d) => { d.questions[0].points = '0'; }, 'questions[0].points'],
    ['two correct single choice', (d) => { d.questions[0].options[1].correct = true; }, 'questions[0].options'],
    ['empty option', (d) => { d.questions[0].options[1].text = ''; }, 'questions[0].options[1].text'],
    ['same option twice', (d) => { d.questions[0].options[1].text = 'a'; }, 'questions[0].options[1].text'],
    ['numeric without answer', (d) => { d.questions[1].answer = ''; }, 'questions[1].answer'],
    ['negative tolerance', (d) => { d.questions[1].tolerance = '-1'; }, 'questions[1].tolerance'],
    ['no accepted answer', (d) => { d.questions[2].accepted = '\n \n'; }, 'questions[2].accepted'],
    ['accepted twice', (d) => { d.questions[2].accepted = 'Paris\nPARIS'; }, 'questions[2].accepted'],
    ['one ordering item', (d) => { d.questions[3].options = d.questions[3].options.slice(0, 1); }, 'questions[3].options'],
    ['true/false without the correct one', (d) => { d.questions[4].options.forEach((o) => { o.correct = false; }); }, 'questions[4].options'],
  ];
  for (const [name, change, field] of cases) {
    const d = draftOf(saved());
    change(d);
    const { body, error } = checkpointBody(d, { duration: 60 });
    assert.equal(body, null, name);
    assert.equal(error.field, field, name);
    assert.ok(error.message, name);
  }
  // case sensitive: "Paris" and "PARIS" are two answers
  const d = draftOf(saved());
  d.questions[2].accepted = 'Paris\nPARIS';
  d.questions[2].case_sensitive = true;
  assert.deepEqual(checkpointBody(d).body.questions[2], { id: 'q3', type: 'short_text', prompt: 'Name it', points: 1, accepted: ['Paris', 'PARIS'], case_sensitive: true });
});

test('true/false: ids true and false, the picked one correct, default texts', () => {
  const d = draftOf(saved());
  d.questions = [defaultQuestion('true_false')];
  d.questions[0].prompt = 'Q';
  d.questions[0].options[0].correct = false;
  d.questions[0].options[1].correct = true;
  d.questions[0].options[0].text = '';
  assert.deepEqual(checkpointBody(d).body.questions[0].options, [{ id: 'true', text: 'True', correct: false }, { id: 'false', text: 'False', correct: true }]);
});

test('new questions: choice types have two options, one correct; numbers are parsed with a comma too', () => {
  assert.deepEqual(defaultQuestion('single_choice').options.map((o) => o.correct), [true, false]);
  assert.equal(defaultQuestion('numeric').options.length, 0);
  const d = draftOf(saved());
  d.questions = [{ ...defaultQuestion('numeric'), prompt: 'pi', answer: '3,14' }];
  assert.equal(checkpointBody(d).body.questions[0].answer, 3.14);
});

test('changing the type keeps the prompt and the option texts where they fit', () => {
  const q = draftOf(saved()).questions[3]; // ordering
  const c = changeType(q, 'multiple_choice');
  assert.equal(c.prompt, 'Order');
  assert.deepEqual(c.options.map((o) => [o.text, o.correct]), [['first', true], ['second', false], ['third', false]]);
  const n = changeType(q, 'numeric');
  assert.deepEqual(n.options, []);
  assert.equal(n.id, 'q4');
  const tf = changeType(q, 'true_false');
  assert.deepEqual(tf.options.map((o) => o.text), ['True', 'False']);
});

test('a new checkpoint is valid as the server wants it', () => {
  const b = newCheckpointBody(12.34567);
  assert.equal(b.at, 12.346);
  assert.equal(b.questions.length, 1);
  assert.equal(b.questions[0].type, 'single_choice');
  assert.equal(b.questions[0].options.filter((o) => o.correct).length, 1);
  assert.equal(newCheckpointBody(-3).at, 0);
  // and it survives the form unchanged
  assert.equal(checkpointBody(draftOf({ id: 'x', ...b })).error, null);
});

test('marker moves stay within the video', () => {
  assert.equal(movedAt(10, KEY_STEP, 60), 10.5);
  assert.equal(movedAt(0.2, -KEY_STEP, 60), 0);
  assert.equal(movedAt(59.8, KEY_STEP, 60), 60);
  assert.equal(movedAt(1, 0.1234567, 0), 1.123);
});

test('the learner view has no keys and a fresh attempt; ordering is not shown solved', () => {
  const v = learnerView(saved());
  assert.equal(v.attempts, 0);
  assert.equal(v.can_attempt, true);
  assert.deepEqual(v.questions[0].options, [{ id: 'a', text: 'A' }, { id: 'b', text: 'B' }]);
  assert.equal(v.questions[1].answer, undefined);
  assert.equal(v.questions[2].accepted, undefined);
  assert.deepEqual(v.questions[3].options.map((o) => o.id), ['o3', 'o2', 'o1']);
  assert.equal(JSON.stringify(v).includes('correct'), false);
});

test('fields the form does not show survive a save', () => {
  const cp = {
    id: 'c', at: 5, required: true, must_pass: true, attempts_allowed: 0, scoring: 'best', pass_score: 1, jump_to: null,
    questions: [{ id: 'q', type: 'short_text', prompt: 'Name it', points: 1, accepted: ['Go'], exact_whitespace: true,
      correct_feedback: 'Yes.', incorrect_feedback: 'No.' }],
  };
  const { body, error } = checkpointBody(draftOf(cp), { duration: 60 });
  assert.equal(error, null);
  assert.equal(body.questions[0].exact_whitespace, true);
  assert.equal(body.questions[0].correct_feedback, 'Yes.');
  assert.equal(body.questions[0].incorrect_feedback, 'No.');
});
