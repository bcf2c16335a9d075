// Pure logic of the web UI pages: nav by role, sign-in redirects, CSV
// preview, outline moves, API-shape adapters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { navFor, sectionOf, allowed, homeFor, loginUrl, safeNext } from '../src/lib/nav.js';
import { parseCsv, csvPreview } from '../src/lib/csv.js';
import {
  modulesOf, flatLessons, moveLesson, stepLesson, moveModule, dropIndex, outlineBody, sameOrder,
  nextLesson, resumeLesson, progressOf, lessonStatus, isLocked,
} from '../src/lib/outline.js';
import { enrollmentView, enrolleeView, percentOf, parseTags, parseRoles, bulkReport } from '../src/lib/model.js';
import { errorFrom } from '../src/lib/api.js';

const hrefs = (roles) => navFor(roles).map((n) => n.href);

test('nav shows the pages the roles allow', () => {
  assert.deepEqual(hrefs(['learner']), ['/catalog', '/learn']);
  assert.deepEqual(hrefs(['instructor']), ['/catalog', '/learn', '/teach', '/upload']);
  assert.deepEqual(hrefs(['admin']), ['/catalog', '/learn', '/teach', '/upload', '/admin']);
  assert.deepEqual(hrefs(['ops']), ['/catalog', '/learn']);
  assert.deepEqual(hrefs([]), ['/catalog', '/learn']);
  assert.deepEqual(navFor(['learner'], '/courses/abc').filter((n) => n.current).map((n) => n.href), ['/catalog']);
  assert.deepEqual(navFor(['admin'], '/teach/courses/x').filter((n) => n.current).map((n) => n.href), ['/teach']);
  assert.equal(sectionOf('/learn/a/b'), '/learn');
  assert.equal(sectionOf('/learning'), '');
  assert.equal(allowed(['learner'], '/admin'), false);
  assert.equal(allowed(['learner'], '/teach/courses/1'), false);
  assert.equal(allowed(['instructor'], '/teach/courses/1'), true);
  assert.equal(allowed(['learner'], '/watch/1'), true);
  assert.equal(homeFor(['admin', 'instructor', 'ops']), '/teach');
  assert.equal(homeFor(['learner', 'admin']), '/learn');
  assert.equal(homeFor(['admin']), '/admin');
  assert.equal(homeFor(['ops']), '/catalog');
});

test('sign-in round trip: next= is kept and only ever a local path', () => {
  assert.equal(loginUrl({ pathname: '/courses/1', search: '?x=1', hash: '#a' }), '/login?next=%2Fcourses%2F1%3Fx%3D1%23a');
  assert.equal(loginUrl({ pathname: '/', search: '' }), '/login');
  assert.equal(loginUrl({ pathname: '/login', search: '?next=%2Fteach' }), '/login');
  assert.equal(safeNext('/learn/a/b?x=1'), '/learn/a/b?x=1');
  for (const bad of ['//evil.example', 'https://evil.example/', '/\\evil', 'javascript:alert(1)', '', null, '/login?next=/x', '/a\nb']) {
    assert.equal(safeNext(bad), null, String(bad));
  }
});

test('CSV: quotes, escaped quotes, CRLF, BOM, blank lines', () => {
  assert.deepEqual(parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\n\nz,\n'), [['a', 'b'], ['x, y', 'say "hi"'], ['z', '']]);
  assert.deepEqual(parseCsv('a\n"multi\nline"'), [['a'], ['multi\nline']]);
  assert.deepEqual(parseCsv(''), []);
  assert.deepEqual(parseCsv('a,b'), [['a', 'b']]);
});

test('CSV preview: row count, sample, missing columns, ragged rows', () => {
  const p = csvPreview('Email,Name\na@x.test,A\nb@x.test,B\nc@x.test\n', { required: [['email', 'external_id']], sample: 2 });
  assert.deepEqual(p.header, ['email', 'name']);
  assert.equal(p.count, 3);
  assert.deepEqual(p.sample, [{ email: 'a@x.test', name: 'A' }, { email: 'b@x.test', name: 'B' }]);
  assert.equal(p.problems.length, 1);
  assert.match(p.problems[0], /1 row has a different number of fields.*line 4/);
  const q = csvPreview('name\nA\n', { required: [['email', 'external_id', 'user_id']] });
  assert.deepEqual(q.problems, ['Missing a column: email or external_id or user_id.']);
  assert.deepEqual(csvPreview('').problems, ['The file is empty.']);
  const big = csvPreview(`email\n${Array.from({ length: 10000 }, (_, i) => `u${i}@x.test`).join('\n')}\n`);
  assert.equal(big.count, 10000);
  assert.equal(big.sample.length, 5);
});

const outline = () => modulesOf({
  modules: [
    { id: 'm2', title: 'Two', position: 2, lessons: [{ id: 'c', title: 'C', position: 1 }] },
    { id: 'm1', title: 'One', position: 1, prerequisites: [{ id: 'm0' }], lessons: [{ id: 'b', title: 'B', position: 2 }, { id: 'a', title: 'A', position: 1, prerequisites: ['x'] }] },
  ],
});
const order = (mods) => mods.map((m) => `${m.id}:${m.lessons.map((l) => l.id).join('')}`).join(' ');

test('outline: modules and lessons sorted by position, prerequisites as ids', () => {
  const m = outline();
  assert.equal(order(m), 'm1:ab m2:c');
  assert.deepEqual(m[0].prerequisites, ['m0']);
  assert.deepEqual(m[0].lessons[0].prerequisites, ['x']);
  assert.deepEqual(flatLessons(m).map((l) => `${l.moduleId}/${l.id}`), ['m1/a', 'm1/b', 'm2/c']);
  assert.equal(order(modulesOf({ outline: { modules: [{ id: 'z', lessons: [] }] } })), 'z:');
  assert.equal(order(modulesOf({ outline: [{ id: 'z', lessons: [] }] })), 'z:');
  assert.deepEqual(modulesOf(null), []);
});

test('outline moves: drag and drop, across modules, keyboard steps', () => {
  const m = outline();
  assert.equal(order(moveLesson(m, 'b', 'm1', 0)), 'm1:ba m2:c');
  assert.equal(order(moveLesson(m, 'a', 'm2', 1)), 'm1:b m2:ca');
  assert.equal(order(moveLesson(m, 'a', 'm2', 99)), 'm1:b m2:ca');
  assert.equal(order(moveLesson(m, 'nope', 'm2', 0)), 'm1:ab m2:c');
  assert.equal(order(m), 'm1:ab m2:c', 'moves do not change their input');
  // drop on item 0 of the same list, upper half: a (index 0) → b before a
  assert.equal(dropIndex(1, 0, true), 0);
  assert.equal(dropIndex(0, 1, false), 1); // a dropped below b
  assert.equal(dropIndex(0, 1, true), 0);  // a dropped above b: no change
  assert.equal(dropIndex(-1, 0, false), 1); // from another list, below the first
  assert.equal(order(moveLesson(m, 'a', 'm1', dropIndex(0, 1, false))), 'm1:ba m2:c');
  // keyboard: within a module, across the boundary, at the ends
  assert.equal(order(stepLesson(m, 'a', 1)), 'm1:ba m2:c');
  assert.equal(order(stepLesson(m, 'b', 1)), 'm1:a m2:bc');
  assert.equal(order(stepLesson(m, 'c', -1)), 'm1:abc m2:');
  assert.equal(order(stepLesson(m, 'a', -1)), 'm1:ab m2:c');
  assert.equal(order(stepLesson(m, 'c', 1)), 'm1:ab m2:c');
  assert.equal(order(moveModule(m, 'm2', 0)), 'm2:c m1:ab');
  assert.equal(order(moveModule(m, 'm1', dropIndex(0, 1, false))), 'm2:c m1:ab');
  assert.deepEqual(outlineBody(moveLesson(m, 'b', 'm1', 0)), { modules: [{ id: 'm1', lessons: ['b', 'a'] }, { id: 'm2', lessons: ['c'] }] });
  assert.equal(sameOrder(m, moveLesson(m, 'a', 'm1', 0)), true);
  assert.equal(sameOrder(m, moveLesson(m, 'a', 'm1', 1)), false);
});

test('progress: map from the progress API, lesson status, locks, resume', () => {
  const m = outline();
  const p = progressOf({ percent: 33.3, lessons: [{ lesson_id: 'a', status: 'completed', locked: false }, { lesson_id: 'b', status: 'not_started', locked: true }] });
  assert.equal(p.percent, 33.3);
  assert.equal(lessonStatus(m[0].lessons[0], p.lessons), 'completed');
  assert.equal(isLocked(m[0].lessons[1], p.lessons), true);
  assert.equal(resumeLesson(m, p.lessons).id, 'c');
  assert.equal(nextLesson(m, 'b').id, 'c');
  assert.equal(nextLesson(m, 'c'), null);
  const keyed = progressOf({ progress: 50, lessons: { a: 'in_progress', b: { status: 'completed', locked: false } } });
  assert.equal(keyed.percent, 50);
  assert.equal(keyed.lessons.get('a').status, 'in_progress');
  assert.equal(lessonStatus({ id: 'z', progress: { status: 'in_progress' } }), 'in_progress');
  assert.equal(lessonStatus({ id: 'z', progress: 'bogus' }), 'not_started');
  assert.equal(isLocked({ id: 'z', locked: true }), true);
  assert.equal(resumeLesson([], new Map()), null);
});

test('API shapes: enrollments, enrollees, tags, roles, bulk report, field errors', () => {
  assert.deepEqual(enrollmentView({ course_id: 'c1', course_title: 'T', progress: 40, due_at: '2030-01-01T00:00:00Z', next_lesson: { id: 'l2', title: 'Two' } }),
    { courseId: 'c1', title: 'T', summary: '', percent: 40, dueAt: '2030-01-01T00:00:00Z', status: 'active', nextLessonId: 'l2', nextLessonTitle: 'Two' });
  assert.equal(enrollmentView({ course: { id: 'c', title: 'N' }, progress_percent: 5, next_lesson_id: 'x' }).nextLessonId, 'x');
  assert.equal(enrolleeView({ user: { id: 'u', email: 'e@x', name: 'E' }, progress: { percent: 12 } }).percent, 12);
  assert.equal(percentOf({ percent: 130 }), 100);
  assert.equal(percentOf({}), 0);
  assert.deepEqual(parseTags(' Safety, onboarding,,safety\nGo '), ['safety', 'onboarding', 'go']);
  assert.deepEqual(parseRoles('Instructor; learner, root'), ['instructor', 'learner']);
  assert.deepEqual(parseRoles(['ops', 'admin']), ['admin', 'ops']);
  assert.deepEqual(bulkReport({ enrolled: 3, already_enrolled: 1, reactivated: 0, failed: [{ row: 4, field: 'email', value: 'x@y', reason: 'no such user' }] }), {
    counts: [{ name: 'enrolled', value: 3 }, { name: 'already enrolled', value: 1 }, { name: 'reactivated', value: 0 }],
    failed: [{ row: 4, field: 'email', value: 'x@y', reason: 'no such user' }],
  });
  const e = errorFrom(400, { error: { code: 'invalid', message: 'must not be empty', field: 'title' } });
  assert.equal(e.field, 'title');
  assert.equal(errorFrom(500, null).field, '');
});
