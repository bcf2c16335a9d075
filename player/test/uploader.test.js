// The uploader against an in-memory fake of the upload API (no browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Uploader, savedUploads } from '../src/lib/uploader.js';
import { ApiError } from '../src/lib/api.js';

class MemStorage {
  constructor() { this.m = new Map(); }
  get length() { return this.m.size; }
  key(i) { return [...this.m.keys()][i] ?? null; }
  getItem(k) { return this.m.has(k) ? this.m.get(k) : null; }
  setItem(k, v) { this.m.set(k, String(v)); }
  removeItem(k) { this.m.delete(k); }
}

function fakeServer({ chunk = 1000, failPlan = {} } = {}) {
  const uploads = new Map();
  let seq = 0;
  const s = { uploads, puts: [], creates: 0, completes: 0 };
  const view = (u) => ({
    id: u.id, size: u.size, chunk_size: chunk, parts_total: Math.max(1, Math.ceil(u.size / chunk)), status: u.status,
    received: [...u.parts].sort((a, b) => a[0] - b[0]).map(([part, p]) => ({ part, size: p.size, sha256: p.sha })),
  });
  s.api = async (path, opts = {}) => {
    let m;
    if (path === '/api/v1/uploads' && opts.method === 'POST') {
      s.creates++;
      const u = { id: `u${++seq}`, size: opts.body.size, parts: new Map(), status: 'open', title: opts.body.title };
      uploads.set(u.id, u);
      return view(u);
    }
    if ((m = /^\/api\/v1\/uploads\/([^/]+)$/.exec(path))) {
      const u = uploads.get(m[1]);
      if (!u) throw new ApiError(404, 'not_found', 'upload not found');
      return view(u);
    }
    if ((m = /^\/api\/v1\/uploads\/([^/]+)\/complete$/.exec(path))) {
      s.completes++;
      const u = uploads.get(m[1]);
      const v = view(u);
      if (v.received.length !== v.parts_total) throw new ApiError(409, 'incomplete', 'parts missing');
      u.status = 'completed';
      return { upload: view(u), video: { id: 'vid1', status: 'queued' } };
    }
    throw new ApiError(404, 'not_found', path);
  };
  s.transport = async ({ url, headers, body, onProgress }) => {
    const [, id, n] = /uploads\/([^/]+)\/parts\/(\d+)$/.exec(url);
    const part = Number(n);
    s.puts.push(part);
    const plan = failPlan[part];
    if (plan && plan.length) {
      const what = plan.shift();
      if (what === 'network') throw new ApiError(0, 'network', 'Network error');
      if (what === 503) return { status: 503, statusText: 'Service Unavailable', text: '{"error":{"code":"unavailable","message":"try later"}}' };
      if (what === 401) return { status: 401, statusText: 'Unauthorized', text: '{"error":{"code":"unauthorized","message":"bad token"}}' };
    }
    const buf = Buffer.from(body instanceof Blob ? await body.arrayBuffer() : body);
    const sha = createHash('sha256').update(buf).digest('hex');
    if (sha !== headers['X-Chunk-SHA256']) return { status: 422, text: '{"error":{"code":"checksum_mismatch","message":"mismatch"}}' };
    onProgress(buf.length);
    uploads.get(id).parts.set(part, { size: buf.length, sha });
    return { status: 200, text: JSON.stringify({ part, size: buf.length, sha256: sha }) };
  };
  return s;
}

function makeFile(size, name = 'lecture.mp4') {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 7) & 0xff;
  return new File([data], name, { type: 'video/mp4', lastModified: 1700000000000 });
}

const noSleep = async () => {};

test('uploads every part with its checksum and completes', async () => {
  const srv = fakeServer();
  const storage = new MemStorage();
  const file = makeFile(4500);
  const progress = [];
  const up = new Uploader({ file, title: 'T', api: srv.api, transport: srv.transport, storage, sleep: noSleep, onProgress: (p) => progress.push(p.sent) });
  const res = await up.run();
  assert.equal(res.video.id, 'vid1');
  assert.deepEqual([...srv.puts].sort(), [1, 2, 3, 4, 5]);
  assert.equal(srv.completes, 1);
  assert.equal(progress.at(-1), 4500);
  assert.equal(savedUploads(storage).length, 0, 'resume record removed after completion');
});

test('retries network drops and 5xx with backoff', async () => {
  const srv = fakeServer({ failPlan: { 2: ['network', 503], 4: ['network'] } });
  const delays = [];
  const up = new Uploader({ file: makeFile(4500), api: srv.api, transport: srv.transport, storage: new MemStorage(), sleep: async (ms) => { delays.push(ms); } });
  await up.run();
  assert.equal(srv.puts.filter((p) => p === 2).length, 3);
  assert.equal(srv.puts.filter((p) => p === 4).length, 2);
  assert.equal(delays.length, 3);
});

test('a 401 stops the upload with the server message and keeps the resume record', async () => {
  const srv = fakeServer({ failPlan: { 1: [401] } });
  const storage = new MemStorage();
  const up = new Uploader({ file: makeFile(2500), api: srv.api, transport: srv.transport, storage, sleep: noSleep, concurrency: 1 });
  await assert.rejects(up.run(), (err) => err.status === 401 && err.message === 'bad token');
  assert.equal(savedUploads(storage).length, 1);
});

test('resumes: parts the server already has are skipped', async () => {
  const srv = fakeServer();
  const storage = new MemStorage();
  const file = makeFile(4500);
  // first attempt dies on part 4 (auth), parts 1-3 are stored
  srv.transportOrig = srv.transport;
  let calls = 0;
  const dying = async (req) => {
    if (++calls > 3) throw new ApiError(403, 'forbidden', 'stop');
    return srv.transportOrig(req);
  };
  await assert.rejects(new Uploader({ file, api: srv.api, transport: dying, storage, sleep: noSleep, concurrency: 1 }).run());
  assert.equal(srv.creates, 1);
  srv.puts.length = 0;
  const again = new Uploader({ file, api: srv.api, transport: srv.transport, storage, sleep: noSleep });
  const statuses = [];
  again.onStatus = (s) => statuses.push(s);
  await again.run();
  assert.equal(srv.creates, 1, 'no second upload created');
  assert.deepEqual([...srv.puts].sort(), [4, 5]);
  assert.ok(statuses.some((s) => /Resuming: 3 of 5/.test(s)), statuses.join(' | '));
});

test('a forgotten upload (404 on resume) starts over', async () => {
  const srv = fakeServer();
  const storage = new MemStorage();
  const file = makeFile(1500);
  storage.setItem(`lectern.upload:${file.name}|${file.size}|${file.lastModified}`, JSON.stringify({ uploadId: 'gone' }));
  await new Uploader({ file, api: srv.api, transport: srv.transport, storage, sleep: noSleep }).run();
  assert.equal(srv.creates, 1);
});

test('pause aborts parts in flight and holds new ones until resume', async () => {
  const srv = fakeServer();
  const file = makeFile(9000);
  let inFlight = 0;
  let sentWhilePaused = 0;
  let up;
  const slow = (req) => new Promise((resolve, reject) => {
    if (up.paused) sentWhilePaused++;
    inFlight++;
    const timer = setTimeout(() => { inFlight--; srv.transport(req).then(resolve, reject); }, 20);
    req.signal.addEventListener('abort', () => { clearTimeout(timer); inFlight--; reject(Object.assign(new Error('aborted'), { name: 'AbortError' })); });
  });
  up = new Uploader({ file, api: srv.api, transport: slow, storage: new MemStorage(), sleep: noSleep, concurrency: 3 });
  const done = up.run();
  await new Promise((r) => setTimeout(r, 30));
  up.pause();
  assert.equal(inFlight, 0, 'in-flight parts aborted');
  const before = srv.puts.length;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(srv.puts.length, before, 'nothing sent while paused');
  up.resume();
  const res = await done;
  assert.equal(res.video.id, 'vid1');
  assert.equal(sentWhilePaused, 0);
  assert.equal(new Set(srv.puts).size, 9);
});

test('an expired upload (410 on a part) stops and forgets the resume record', async () => {
  const srv = fakeServer();
  const storage = new MemStorage();
  const gone = async () => ({ status: 410, text: '{"error":{"code":"expired","message":"upload u1 expired; start a new upload"}}' });
  const up = new Uploader({ file: makeFile(2500), api: srv.api, transport: gone, storage, sleep: noSleep });
  await assert.rejects(up.run(), (err) => err.status === 410 && /expired/.test(err.message));
  assert.equal(savedUploads(storage).length, 0);
});
