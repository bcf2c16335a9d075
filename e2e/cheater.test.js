// The cheater: a learner who ignores the player and talks to the API and
// the CDN directly, with only their own session and the URLs they were
// given, against a running Lectern (make test starts it):
//
//   LECTERN_E2E_VIDEO_JSON=/path/video.json LECTERN_ADMIN_TOKEN=… node --test cheater.test.js
//
// The admin token sets the scene (an instructor, a learner, a published
// course whose video lesson has a required checkpoint at 10 s and another
// at 30 s, the learner enrolled). Then, as the learner, every bypass below
// is tried, and none may yield a media byte past the first checkpoint's
// segment boundary nor a completed lesson:
//
//   1. playlists: the learner's HLS media playlists and DASH MPD end at the
//      checkpoint; the segment after it, guessed from the naming, is 403;
//   2. URL editing: the limit in a gated segment URL raised (403), the
//      signature moved to another learner (403), the expiry pushed (403),
//      the playback token's payload edited (403), the staff /s/ form and the
//      unsigned /media/ form (403), the origin (MinIO) directly (403);
//   3. stills: no poster or thumbnails while part of the video is locked;
//   4. other doors: the course and the video objects carry no media URL;
//   5. forged Video Profile statements claiming the whole video watched
//      (accepted by the LRS, credited only as far as the wall clock and the
//      unlocked range allow);
//   6. the manual "complete" call on the video lesson (409);
//   7. answering the later checkpoint before the first (423), and the
//      first one right: the range grows to the next checkpoint, and still
//      no completion, because the video was not watched;
//   8. reading the LRS back: no answer key in the learner's statements nor
//      in the question's activity definition.
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { config, api, createUser } from './lib/lectern.js';

const cfg = config();
const T = 60_000;

async function http(url, { token, method = 'GET', body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), redirect: 'manual', signal: AbortSignal.timeout(15_000) });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, buf, text: buf.toString('utf8'), headers: res.headers };
}

/** Segments of an HLS media playlist: [{uri, duration, start}]. */
function segments(playlist) {
  const out = [];
  let t = 0;
  const lines = playlist.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^#EXTINF:([0-9.]+)/.exec(lines[i]);
    if (m) {
      const d = Number(m[1]);
      out.push({ uri: lines[i + 1].trim(), duration: d, start: t });
      t += d;
    }
  }
  return out;
}

const resolve = (rel, base) => new URL(rel, base).toString();

describe('a learner who cheats', { skip: cfg.skip }, () => {
  let learner; let session; let course; let lesson; let cp1; let cp2; let playback;
  const AT = 10;

  before(async () => {
    const instructor = await createUser(cfg, { prefix: 'cheat-teacher', roles: ['instructor'] });
    learner = await createUser(cfg, { prefix: 'cheater', roles: ['learner'] });
    const signin = await http(`${cfg.base}/api/v1/sessions`, { method: 'POST', body: { email: learner.email, password: learner.password } });
    assert.equal(signin.status, 201, signin.text);
    session = /lectern_session=([^;]+)/.exec(signin.headers.get('set-cookie'))[1];
    const c = await api(cfg, '/api/v1/courses', { method: 'POST', body: { title: `Cheat-proof ${Date.now()}` } });
    course = c.id;
    await api(cfg, `/api/v1/courses/${course}/instructors`, { method: 'POST', body: { user_id: instructor.id } });
    const m = await api(cfg, `/api/v1/courses/${course}/modules`, { method: 'POST', body: { title: 'Week 1' } });
    const l = await api(cfg, `/api/v1/courses/${course}/lessons`, { method: 'POST', body: { module_id: m.id, title: 'Lecture', kind: 'video', video_id: cfg.video.id } });
    lesson = l.id;
    await api(cfg, `/api/v1/courses/${course}`, { method: 'PATCH', body: { status: 'published' } });
    const q = (prompt) => ({ type: 'single_choice', prompt, options: [{ text: 'Wrong', correct: false }, { text: 'Right', correct: true }] });
    cp1 = await api(cfg, `/api/v1/courses/${course}/lessons/${lesson}/checkpoints`, { method: 'POST', body: { at: AT, required: true, must_pass: true, questions: [q('First?')] } });
    cp2 = await api(cfg, `/api/v1/courses/${course}/lessons/${lesson}/checkpoints`, { method: 'POST', body: { at: 30, required: true, must_pass: true, questions: [q('Second?')] } });
    assert.ok(cp1.id && cp1.questions[0].id && cp1.questions[0].options[1].id, 'the checkpoint answers its ids');
    await api(cfg, `/api/v1/courses/${course}/enrollments`, { method: 'POST', body: { user_id: learner.id } });
    playback = await api(cfg, `/api/v1/courses/${course}/lessons/${lesson}/playback`, { token: session });
  });

  test('the playback it is given ends at the first checkpoint, without keys', { timeout: T }, () => {
    assert.equal(playback.unlocked_until, AT);
    assert.ok(playback.hls && playback.dash);
    assert.equal(playback.poster, null, 'no poster while locked');
    assert.equal(playback.thumbnails, null, 'no thumbnails while locked');
    const text = JSON.stringify(playback.checkpoints);
    assert.ok(!/correct|accepted|"answer"/.test(text), `no key in the learner's checkpoints: ${text}`);
    assert.deepEqual(playback.xapi.actor.account.name, learner.id);
  });

  test('playlists and the MPD end at the checkpoint; guessed and edited URLs are refused', { timeout: T }, async () => {
    const master = await http(playback.hls);
    assert.equal(master.status, 200, master.text);
    const variants = master.text.split('\n').filter((l) => l && !l.startsWith('#'));
    const audio = [...master.text.matchAll(/URI="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(variants.length >= 1);
    let boundary = null;
    for (const rel of [...variants, ...audio]) {
      const url = resolve(rel, playback.hls);
      const pl = await http(url);
      assert.equal(pl.status, 200, `${rel}: ${pl.text}`);
      assert.match(pl.text, /#EXT-X-ENDLIST/);
      const segs = segments(pl.text);
      assert.ok(segs.length >= 1);
      for (const s of segs) assert.ok(s.start < AT, `${rel}: a segment starts at ${s.start} s, past the checkpoint at ${AT} s`);
      const last = segs[segs.length - 1];
      if (boundary === null && variants.includes(rel)) boundary = last.start + last.duration;
      // Every listed segment plays; the next one, guessed, does not.
      const ok = await http(last.uri);
      assert.equal(ok.status, 200, `listed segment ${last.uri}`);
      const n = Number(/seg-(\d+)\.m4s$/.exec(last.uri)[1]);
      const next = last.uri.replace(/seg-\d+\.m4s$/, `seg-${String(n + 1).padStart(5, '0')}.m4s`);
      const guessed = await http(next);
      assert.equal(guessed.status, 403, `guessed ${next}: ${guessed.status}`);
      assert.ok(!guessed.buf.includes(Buffer.from('moof')), 'no media in the refusal');
      // /g/<exp>/<sig>/<learner>/<limit>/media/...: raise the limit.
      const m = /\/g\/(\d+)\/([^/]+)\/([^/]+)\/(\d+)\//.exec(last.uri);
      assert.ok(m, `gated URL form: ${last.uri}`);
      const raised = next.replace(`/${m[3]}/${m[4]}/`, `/${m[3]}/${Number(m[4]) + 5}/`);
      assert.equal((await http(raised)).status, 403, 'limit raised');
      const other = last.uri.replace(`/${m[3]}/`, `/${cfg.video.id}/`);
      assert.equal((await http(other)).status, 403, 'another learner id under the signature');
      const later = last.uri.replace(`/g/${m[1]}/`, `/g/${Number(m[1]) + 86400}/`);
      assert.equal((await http(later)).status, 403, 'expiry pushed');
      const staffForm = next.replace(/\/g\/\d+\/[^/]+\/[^/]+\/\d+\//, `/s/${m[1]}/${m[2]}/`);
      assert.ok([403, 404, 410].includes((await http(staffForm)).status), 'the staff /s/ form with the learner signature');
      const unsigned = next.replace(/\/g\/\d+\/[^/]+\/[^/]+\/\d+\//, '/');
      assert.equal((await http(unsigned)).status, 403, 'unsigned /media/');
      // The origin, directly.
      const key = /\/(media\/.+)$/.exec(next.replace(/\/g\/\d+\/[^/]+\/[^/]+\/\d+\//, '/'))[1];
      const origin = process.env.LECTERN_S3_ENDPOINT ? `http://${process.env.LECTERN_S3_ENDPOINT}/${process.env.LECTERN_S3_BUCKET || 'lectern'}/${key}` : null;
      if (origin) assert.equal((await http(origin)).status, 403, `the origin ${origin}`);
    }
    assert.ok(boundary >= AT && boundary < AT + 10, `media ends at the segment boundary after ${AT} s (${boundary})`);

    const mpd = await http(playback.dash);
    assert.equal(mpd.status, 200, mpd.text);
    const dur = /mediaPresentationDuration="PT([0-9.]+)S"/.exec(mpd.text);
    assert.ok(dur && Number(dur[1]) <= boundary + 0.5, `the MPD's duration ends at the boundary: ${dur && dur[1]}`);
    // The playback token itself: edit its payload's limit.
    const tok = /\/play\/([^/]+)\//.exec(playback.hls)[1];
    const [payload, sig] = tok.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.n += 100; claims.f = true;
    const forged = `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    const edited = await http(playback.hls.replace(tok, forged));
    assert.equal(edited.status, 403, 'edited playback token');
    for (const still of ['poster.jpg', 'thumbs/thumbs.vtt', 'thumbs/sprite-0.jpg']) {
      const r = await http(playback.hls.replace('master.m3u8', still));
      assert.equal(r.status, 404, `${still} while locked: ${r.status}`);
    }
  });

  test('no other door hands out media URLs', { timeout: T }, async () => {
    const c = await api(cfg, `/api/v1/courses/${course}`, { token: session });
    const text = JSON.stringify(c);
    assert.ok(!/m3u8|\.mpd|\/s\/\d+\//.test(text), `the course carries no media URL: ${text.slice(0, 400)}`);
    const v = await http(`${cfg.base}/api/v1/videos/${cfg.video.id}`, { token: session });
    if (v.status === 200) {
      const j = JSON.parse(v.text);
      assert.equal(j.hls, null); assert.equal(j.dash, null); assert.equal(j.poster, null);
    } else {
      assert.equal(v.status, 404);
    }
  });

  test('forged statements, a manual completion and out-of-order answers complete nothing', { timeout: T }, async () => {
    const x = playback.xapi;
    const stmt = (verb, ext) => ({
      actor: x.actor, verb: { id: verb, display: { 'en-US': 'x' } },
      object: { id: x.activity_id, objectType: 'Activity', definition: { type: 'https://w3id.org/xapi/video/activity-type/video' } },
      result: { completion: true, extensions: ext },
      context: { registration: x.registration, contextActivities: { category: [{ id: 'https://w3id.org/xapi/video' }] }, extensions: { 'https://w3id.org/xapi/video/extensions/length': playback.duration } },
    });
    const all = `0.000[.]${playback.duration.toFixed(3)}`;
    const r = await http(`${x.endpoint}statements`, {
      token: session, method: 'POST', headers: { 'X-Experience-API-Version': '1.0.3' },
      body: [stmt('http://adlnet.gov/expapi/verbs/completed', { 'https://w3id.org/xapi/video/extensions/played-segments': all, 'https://w3id.org/xapi/video/extensions/progress': 1, 'https://w3id.org/xapi/video/extensions/time': playback.duration })],
    });
    assert.equal(r.status, 200, `the LRS stores what it is sent: ${r.text}`);
    const after = await api(cfg, `/api/v1/courses/${course}/lessons/${lesson}/playback`, { token: session });
    const watched = after.watched.reduce((t, [a, b]) => t + (b - a), 0);
    assert.ok(watched <= AT, `credited ${watched} s: never past the unlocked range`);
    assert.ok(watched < 8, `credited ${watched} s of a forged whole-video claim made seconds after the grant`);
    assert.equal(after.completed, false);

    const manual = await http(`${cfg.base}/api/v1/courses/${course}/lessons/${lesson}/progress`, { token: session, method: 'POST', body: { status: 'completed' } });
    assert.equal(manual.status, 409, manual.text);

    const right = (cp) => ({ answers: [{ question_id: cp.questions[0].id, response: cp.questions[0].options[1].id }] });
    const early = await http(`${cfg.base}/api/v1/checkpoints/${cp2.id}/attempts`, { token: session, method: 'POST', body: right(cp2) });
    assert.equal(early.status, 423, `the second checkpoint before the first: ${early.text}`);
    const wrong = await http(`${cfg.base}/api/v1/checkpoints/${cp1.id}/attempts`, { token: session, method: 'POST',
      body: { answers: [{ question_id: cp1.questions[0].id, response: cp1.questions[0].options[0].id }] } });
    assert.equal(wrong.status, 200, wrong.text);
    assert.equal(JSON.parse(wrong.text).passed, false);
    assert.equal(JSON.parse(wrong.text).unlocked_until, AT);
    const bogus = await http(`${cfg.base}/api/v1/checkpoints/${cp1.id}/attempts`, { token: session, method: 'POST',
      body: { answers: [{ question_id: cp1.questions[0].id, response: 'not-an-option' }] } });
    assert.ok([400, 422].includes(bogus.status), `an answer naming no option: ${bogus.status} ${bogus.text}`);
    const ok = await http(`${cfg.base}/api/v1/checkpoints/${cp1.id}/attempts`, { token: session, method: 'POST', body: right(cp1) });
    assert.equal(ok.status, 200, ok.text);
    const res = JSON.parse(ok.text);
    assert.equal(res.passed, true);
    assert.equal(res.unlocked_until, 30, 'passing extends the range to the next checkpoint at once');
    assert.equal(res.lesson_completed, false);
    const progress = await api(cfg, `/api/v1/courses/${course}/progress`, { token: session });
    const st = progress.lessons.find((l) => l.lesson_id === lesson);
    assert.notEqual(st && st.status, 'completed');
  });

  test('the LRS does not leak the key of a question', { timeout: T }, async () => {
    const x = playback.xapi;
    // The answered statements are written by the worker's recorder.
    let found = null;
    for (let i = 0; i < 60 && !found; i++) {
      const r = await http(`${x.endpoint}statements?verb=${encodeURIComponent('http://adlnet.gov/expapi/verbs/answered')}`, { token: session, headers: { 'X-Experience-API-Version': '1.0.3' } });
      assert.equal(r.status, 200, r.text);
      const j = JSON.parse(r.text);
      if (j.statements.length) found = r.text;
      else await new Promise((ok) => setTimeout(ok, 500));
    }
    assert.ok(found, 'the answered statements reached the LRS');
    assert.ok(!found.includes('correctResponsesPattern'), 'no key in the learner\'s own statements');
    assert.match(found, /cmi\.interaction/);
    const q = JSON.parse(found).statements[0].object.id;
    const a = await http(`${x.endpoint}activities?activityId=${encodeURIComponent(q)}`, { token: session, headers: { 'X-Experience-API-Version': '1.0.3' } });
    assert.equal(a.status, 200, a.text);
    assert.ok(!a.text.includes('correctResponsesPattern'), `no key in the activity: ${a.text}`);
    // An admin reads the full record.
    const full = await http(`${cfg.base}/api/v1/xapi/statements?learner=${learner.id}&verb=${encodeURIComponent('http://adlnet.gov/expapi/verbs/answered')}`, { token: cfg.token });
    assert.equal(full.status, 200, full.text);
    assert.match(full.text, /correctResponsesPattern/, 'the admin record keeps the key');
  });
});
