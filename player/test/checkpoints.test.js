// Checkpoints on the learner's side, the pure part: reaching them, seeking past them, answers, results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createCheckpointPlan, isSatisfied, stopsLearner, responseOf, buildAnswers, moveItem, attemptsText, resultView, actionLabel,
} from '../src/lib/checkpoints.js';

const cps = () => [
  { id: 'b', at: 40, required: true, must_pass: true, passed: false, attempts: 0, can_attempt: true, questions: [] },
  { id: 'a', at: 20, required: true, must_pass: false, passed: false, attempts: 0, can_attempt: true, questions: [] },
  { id: 'opt', at: 10, required: false, must_pass: false, passed: false, attempts: 0, can_attempt: true, questions: [] },
  { id: 'done', at: 5, required: true, must_pass: true, passed: true, attempts: 1, can_attempt: true, questions: [] },
  { id: 'bad', at: 'x' },
];

test('satisfied: passed, or attempted when passing is not needed', () => {
  assert.equal(isSatisfied({ passed: true }), true);
  assert.equal(isSatisfied({ must_pass: false, attempts: 1 }), true);
  assert.equal(isSatisfied({ must_pass: true, attempts: 3 }), false);
  assert.equal(stopsLearner({ required: true, must_pass: true, attempts: 1 }), true);
  assert.equal(stopsLearner({ required: false }), false);
});

test('plan: sorted, reached while playing within the tolerance, once done no more', () => {
  const plan = createCheckpointPlan(cps());
  assert.deepEqual(plan.list().map((c) => c.id), ['done', 'opt', 'a', 'b']);
  assert.equal(plan.reached(4, 6), null, 'passed already');
  assert.equal(plan.reached(9.5, 9.9), null, 'not yet');
  assert.equal(plan.reached(9.7, 9.96).id, 'opt', 'within 50 ms before');
  assert.equal(plan.reached(9.9, 10.4).id, 'opt');
  assert.equal(plan.reached(10.2, 10.5).id, 'opt', 'just after (the previous tick was within 0.25 s)');
  assert.equal(plan.reached(10.3, 10.6), null, 'long past: a seek, not playback');
  assert.equal(plan.reached(12, 11), null, 'backwards');
  plan.skip('opt');
  assert.equal(plan.reached(9.9, 10.4), null, 'skipped on this page');
  assert.equal(plan.at(20.1).id, 'a');
  assert.equal(plan.next(11).id, 'a');
  plan.applyResult('a', { passed: false, can_attempt: true, attempts_left: null });
  assert.equal(plan.get('a').attempts, 1);
  assert.equal(plan.reached(19.9, 20.1), null, 'attempted and passing not needed: done');
  assert.equal(plan.next(11).id, 'b');
  plan.applyResult('b', { passed: false, can_attempt: false, attempts_left: 0 });
  assert.equal(plan.reached(39.9, 40.1).id, 'b', 'required, no attempts left: still shown (it says so)');
  plan.applyResult('nope', { passed: true });
  plan.update(cps());
  assert.equal(plan.reached(9.9, 10.4), null, 'skips survive a refresh');
  assert.equal(plan.get('a').attempts, 0, 'the refreshed state replaces ours');
});

test('plan: seeks stop at a checkpoint that stops the learner', () => {
  const plan = createCheckpointPlan(cps());
  assert.equal(plan.clamp(0, 30), 20, 'a required one on the way');
  assert.equal(plan.clamp(0, 15), 15, 'the optional one does not stop a seek');
  assert.equal(plan.clamp(20, 30), 30, 'from the checkpoint itself it is not "on the way" (its overlay handles it)');
  assert.equal(plan.clamp(30, 10), 10, 'backwards: anywhere');
  assert.equal(plan.passedOver(50).id, 'a');
  assert.equal(plan.passedOver(20.1), null);
  plan.applyResult('a', { passed: true });
  assert.equal(plan.clamp(0, 50), 40);
  assert.deepEqual(plan.markers().map((m) => [m.at, m.done, m.required]), [[5, true, true], [10, false, false], [20, true, true], [40, false, true]]);
});

test('responses by question type', () => {
  assert.equal(responseOf({ type: 'single_choice' }, 'o1'), 'o1');
  assert.equal(responseOf({ type: 'single_choice' }, null), null);
  assert.equal(responseOf({ type: 'true_false' }, 'false'), 'false');
  assert.deepEqual(responseOf({ type: 'multiple_choice' }, ['a', 'c']), ['a', 'c']);
  assert.equal(responseOf({ type: 'multiple_choice' }, []), null);
  assert.equal(responseOf({ type: 'numeric' }, ' 3,5 '), 3.5);
  assert.equal(responseOf({ type: 'numeric' }, '-2e3'), -2000);
  assert.equal(responseOf({ type: 'numeric' }, 'abc'), null);
  assert.equal(responseOf({ type: 'numeric' }, ''), null);
  assert.equal(responseOf({ type: 'short_text' }, '  Paris '), 'Paris');
  assert.equal(responseOf({ type: 'short_text' }, '   '), null);
  assert.deepEqual(responseOf({ type: 'ordering' }, ['c', 'a', 'b']), ['c', 'a', 'b']);
  assert.equal(responseOf({ type: 'drag_words' }, 'x'), null);
  const qs = [{ id: 'q1', type: 'single_choice' }, { id: 'q2', type: 'numeric' }, { id: 'q3', type: 'short_text' }];
  assert.deepEqual(buildAnswers(qs, ['o2', '12', '']), {
    answers: [{ question_id: 'q1', response: 'o2' }, { question_id: 'q2', response: 12 }],
    missing: [2],
  });
});

test('ordering moves', () => {
  assert.deepEqual(moveItem(['a', 'b', 'c'], 1, -1), ['b', 'a', 'c']);
  assert.deepEqual(moveItem(['a', 'b', 'c'], 1, 1), ['a', 'c', 'b']);
  assert.deepEqual(moveItem(['a', 'b', 'c'], 0, -1), ['a', 'b', 'c']);
  assert.deepEqual(moveItem(['a', 'b', 'c'], 2, 1), ['a', 'b', 'c']);
});

test('attempts text', () => {
  assert.equal(attemptsText({ attempts: 0, attempts_allowed: 3 }), 'Attempt 1 of 3');
  assert.equal(attemptsText({ attempts: 2, attempts_allowed: 0 }), 'Attempt 3');
  assert.equal(attemptsText({ attempts: 3, attempts_allowed: 3, can_attempt: false }), 'No attempts left');
});

test('after an attempt: what the overlay offers', () => {
  const must = { required: true, must_pass: true };
  const results = [{ question_id: 'q1', correct: true }, { question_id: 'q2', correct: false }];
  const passed = resultView(must, { passed: true, score: 1, results: [{ correct: true }], attempts_left: 2, can_attempt: true });
  assert.deepEqual(passed.actions, ['continue']);
  assert.match(passed.summary, /^Passed: 1 of 1 correct \(score 100%\)/);

  const rewatch = resultView(must, { passed: false, score: 0.5, results, jump_to: 12, attempts_left: 2, can_attempt: true });
  assert.deepEqual(rewatch.actions, ['rewatch', 'retry']);
  assert.equal(rewatch.rewatchAt, 12);
  assert.equal(rewatch.summary, 'Not passed: 1 of 2 correct (score 50%). 2 attempts left.');
  assert.equal(actionLabel('rewatch', 12), 'Re-watch from 0:12');

  const retry = resultView(must, { passed: false, score: 0, results, attempts_left: null, can_attempt: true });
  assert.deepEqual(retry.actions, ['retry']);
  assert.equal(retry.summary, 'Not passed: 1 of 2 correct (score 0%).');

  const stuck = resultView(must, { passed: false, score: 0, results, attempts_left: 0, can_attempt: false });
  assert.deepEqual(stuck.actions, ['close']);
  assert.match(stuck.summary, /No attempts left\.$/);

  const notMust = resultView({ required: true, must_pass: false }, { passed: false, score: 0, results, attempts_left: 0, can_attempt: false });
  assert.deepEqual(notMust.actions, ['continue']);
  const optional = resultView({ required: false }, { passed: false, score: 0, results, jump_to: 3, can_attempt: true });
  assert.deepEqual(optional.actions, ['continue', 'rewatch', 'retry']);
  assert.equal(actionLabel('retry'), 'Try again');
  assert.equal(actionLabel('continue'), 'Continue');
});
