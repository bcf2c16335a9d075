// The admin page's LRS, its pure part: scopes, filters as query strings,
// statements as table rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SCOPES, endpointUrl, isUUID, localToIso, readFilters, recordQuery, listUrl, exportUrl,
  langString, lastSegment, agentLabel, agentId, lecternUserId, verbLabel, objectLabel, scoreLabel, resultLabel, statementRow,
} from '../src/lib/xapi.js';

test('scopes are the API\'s, all first; the endpoint is <origin>/xapi', () => {
  assert.deepEqual(SCOPES.map((s) => s.id), ['all', 'all/read', 'statements/write', 'statements/read', 'statements/read/mine', 'state', 'profile', 'define']);
  assert.equal(endpointUrl('https://lms.example'), 'https://lms.example/xapi');
  assert.equal(endpointUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080/xapi');
});

test('datetime-local values become RFC 3339 in UTC', () => {
  assert.equal(localToIso(''), '');
  assert.equal(localToIso('yesterday'), null);
  assert.equal(localToIso('2026-13-40T99:99'), null);
  assert.equal(localToIso('2026-03-12T09:30'), new Date(2026, 2, 12, 9, 30).toISOString());
  assert.equal(localToIso('2026-03-12T09:30:15'), new Date(2026, 2, 12, 9, 30, 15).toISOString());
  assert.match(localToIso('2026-03-12T09:30'), /^2026-03-1[12]T\d\d:\d\d:00\.000Z$/);
});

test('filters: empty ones dropped, each checked like the API, names the field', () => {
  const id = '0b8e8c8e-3f7a-4c1e-9d1a-2b7c5f0e9a11';
  assert.deepEqual(readFilters({ learner: ' ', verb: '', limit: '50' }), { filters: {} });
  assert.deepEqual(readFilters({ learner: ` ${id} ` }).filters, { learner: id });
  assert.equal(readFilters({ learner: 'alice' }).error.field, 'learner');
  assert.deepEqual(readFilters({ agent: ' { "mbox" : "mailto:a@x.test" } ' }).filters, { agent: '{"mbox":"mailto:a@x.test"}' });
  for (const bad of ['mailto:a@x.test', '[1]', '{', '"x"']) assert.equal(readFilters({ agent: bad }).error.field, 'agent', bad);
  assert.equal(readFilters({ verb: 'completed' }).error.field, 'verb');
  assert.equal(readFilters({ activity: 'not an iri' }).error.field, 'activity');
  assert.deepEqual(readFilters({ verb: 'http://adlnet.gov/expapi/verbs/completed', activity: 'urn:x:1' }).filters,
    { verb: 'http://adlnet.gov/expapi/verbs/completed', activity: 'urn:x:1' });
  assert.equal(readFilters({ registration: 'nope' }).error.field, 'registration');
  assert.equal(readFilters({ registration: id.toUpperCase() }).filters.registration, id.toUpperCase());
  assert.equal(readFilters({ since: 'x' }).error.field, 'since');
  assert.equal(readFilters({ since: '2026-03-12T10:00', until: '2026-03-12T09:00' }).error.field, 'until');
  const f = readFilters({ since: '2026-03-12T09:00', until: '2026-03-12T10:00' }).filters;
  assert.deepEqual(f, { since: new Date(2026, 2, 12, 9).toISOString(), until: new Date(2026, 2, 12, 10).toISOString() });
  assert.equal(isUUID(id), true);
  assert.equal(isUUID('x'), false);
});

test('list and export URLs carry the filters (export: no page size or cursor)', () => {
  const filters = { verb: 'http://adlnet.gov/expapi/verbs/completed', agent: '{"mbox":"mailto:a@x.test"}' };
  assert.equal(listUrl({}), '/api/v1/xapi/statements');
  assert.equal(listUrl({}, { limit: '50', cursor: null }), '/api/v1/xapi/statements?limit=50');
  const u = new URL(listUrl(filters, { limit: 20, cursor: 'abc' }), 'http://x');
  assert.equal(u.pathname, '/api/v1/xapi/statements');
  assert.deepEqual([...u.searchParams.keys()], ['agent', 'verb', 'limit', 'cursor']);
  assert.equal(u.searchParams.get('agent'), filters.agent);
  assert.equal(exportUrl({}, 'csv'), '/api/v1/xapi/statements/export?format=csv');
  const e = new URL(exportUrl(filters, 'jsonl'), 'http://x');
  assert.deepEqual(Object.fromEntries(e.searchParams), { ...filters, format: 'jsonl' });
  assert.equal(recordQuery({ since: '', until: '2026-01-01T00:00:00.000Z' }), 'until=2026-01-01T00%3A00%3A00.000Z');
});

test('language maps: preferred tag, same language, English, any', () => {
  const m = { 'de-DE': 'abgeschlossen', 'en-US': 'completed', 'fr': 'terminé' };
  assert.equal(langString(m, ['de-DE']), 'abgeschlossen');
  assert.equal(langString(m, ['de-AT']), 'abgeschlossen');
  assert.equal(langString(m, ['fr-CA']), 'terminé');
  assert.equal(langString(m, ['ja']), 'completed');
  assert.equal(langString({ 'es': 'completado' }, ['ja']), 'completado');
  assert.equal(langString({ 'EN-us': 'x' }, []), 'x');
  assert.equal(langString(undefined), '');
  assert.equal(langString({}), '');
});

test('actors: name, else mbox, account name, openid, hashed mbox', () => {
  assert.equal(agentLabel({ name: 'Ada', mbox: 'mailto:ada@x.test' }), 'Ada');
  assert.equal(agentLabel({ mbox: 'mailto:ada@x.test' }), 'ada@x.test');
  assert.equal(agentLabel({ account: { homePage: 'https://lectern.test/orgs/1', name: 'u-1' } }), 'u-1');
  assert.equal(agentLabel({ openid: 'https://id.test/ada' }), 'https://id.test/ada');
  assert.equal(agentLabel({ mbox_sha1sum: 'ebd31e95054c018b10727ccffd2ef2ec3a016ee9' }), 'sha1:ebd31e95054c…');
  assert.equal(agentLabel({ objectType: 'Group', member: [{ mbox: 'mailto:a@x' }, { mbox: 'mailto:b@x' }] }), 'Group of 2');
  assert.equal(agentLabel(null), '');
  assert.equal(agentId({ account: { homePage: 'https://h', name: 'u' } }), 'https://h u');
  assert.equal(agentId({ mbox: 'mailto:a@x' }), 'mailto:a@x');
  const uid = '68890bcf-9ac2-4060-98d8-70a79b49debe';
  const home = 'http://127.0.0.1:8080/orgs/625f9e8f-9f91-4eaf-ac94-005b3c26bf37';
  assert.equal(lecternUserId({ objectType: 'Agent', account: { homePage: home, name: uid } }), uid);
  assert.equal(lecternUserId({ name: 'Ada', account: { homePage: home, name: uid } }), '', 'a named agent needs no look-up');
  assert.equal(lecternUserId({ account: { homePage: 'https://other.example/', name: uid } }), '');
  assert.equal(lecternUserId({ account: { homePage: home, name: 'ada' } }), '');
  assert.equal(lecternUserId({ mbox: 'mailto:a@x' }), '');
});

test('verbs and objects', () => {
  assert.equal(verbLabel({ id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'finished' } }), 'finished');
  assert.equal(verbLabel({ id: 'http://adlnet.gov/expapi/verbs/completed' }), 'completed');
  assert.equal(lastSegment('https://w3id.org/xapi/video/verbs/seeked/'), 'seeked');
  assert.equal(lastSegment('http://example.com/verbs#launched'), 'launched');
  assert.equal(lastSegment('urn:x'), 'urn:x');
  assert.equal(objectLabel({ id: 'https://l.test/courses/1', definition: { name: { 'en-US': 'Course 1' } } }), 'Course 1');
  assert.equal(objectLabel({ objectType: 'Activity', id: 'https://l.test/courses/1' }), 'https://l.test/courses/1');
  assert.equal(objectLabel({ objectType: 'Agent', mbox: 'mailto:b@x.test' }), 'b@x.test');
  assert.equal(objectLabel({ objectType: 'StatementRef', id: 'abc' }), 'statement abc');
  assert.equal(objectLabel({ objectType: 'SubStatement', actor: { name: 'Ada' }, verb: { id: 'http://v/will-attend' }, object: { id: 'urn:meeting:1' } }), '(Ada will-attend urn:meeting:1)');
});

test('results: success, score', () => {
  assert.equal(scoreLabel({ scaled: 0.85 }), '85%');
  assert.equal(scoreLabel({ scaled: 0.8567 }), '85.7%');
  assert.equal(scoreLabel({ raw: 7, max: 10 }), '7/10');
  assert.equal(scoreLabel({ raw: 7 }), '7');
  assert.deepEqual(resultLabel({ success: true, score: { scaled: 1 } }), { text: 'success · 100%', kind: 'ok' });
  assert.deepEqual(resultLabel({ success: false, score: { raw: 3, max: 10 } }), { text: 'failed · 3/10', kind: 'failed' });
  assert.deepEqual(resultLabel({ completion: true }), { text: 'completed', kind: '' });
  assert.deepEqual(resultLabel(undefined), { text: '', kind: '' });
});

test('a statement as a table row', () => {
  const s = {
    id: 'f1e2', stored: '2026-03-12T09:30:00.000Z', timestamp: '2026-03-12T09:29:00.000Z',
    actor: { objectType: 'Agent', account: { homePage: 'https://l.test/orgs/o', name: 'u-1' } },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'en-US': 'completed' } },
    object: { id: 'https://l.test/courses/1/lessons/2', definition: { name: { 'en-US': 'Lesson 2' } } },
    result: { success: true, score: { scaled: 0.5 } },
  };
  assert.deepEqual(statementRow(s), {
    id: 'f1e2', stored: '2026-03-12T09:30:00.000Z', actor: 'u-1', actorId: 'https://l.test/orgs/o u-1', userId: '',
    verb: 'completed', verbId: 'http://adlnet.gov/expapi/verbs/completed',
    object: 'Lesson 2', objectId: 'https://l.test/courses/1/lessons/2', result: { text: 'success · 50%', kind: 'ok' },
  });
  assert.equal(statementRow({}).actor, '');
});
