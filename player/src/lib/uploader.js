// Resumable, chunked upload against the Lectern upload API.
//
//   POST /api/v1/uploads                 {filename,size,content_type,title} -> upload
//   GET  /api/v1/uploads/:id             -> upload (received = [{part,size,sha256}])
//   PUT  /api/v1/uploads/:id/parts/:n    raw bytes, X-Chunk-SHA256 -> {part,size,sha256}
//   POST /api/v1/uploads/:id/complete    -> {upload, video}
//
// Each part is hashed (SHA-256) before it is sent, a few parts are in flight at
// once, and a failed part is retried with backoff (network drops, 5xx, stalls).
// The upload id is remembered in localStorage under the file's name, size and
// mtime, so picking the same file after a reload continues where it stopped.
import { api as defaultApi, ApiError, errorFrom } from './api.js';
import { pendingParts, partRange, resumeKey, backoffDelay } from './parts.js';
import { sha256Hex } from './sha256.js';

const STALL_MS = 45000; // no upload progress for this long -> abort and retry the part

const MIME_BY_EXT = {
  mp4: 'video/mp4', m4v: 'video/x-m4v', mov: 'video/quicktime', mkv: 'video/x-matroska', webm: 'video/webm',
  avi: 'video/x-msvideo', wmv: 'video/x-ms-wmv', mpg: 'video/mpeg', mpeg: 'video/mpeg', ts: 'video/mp2t',
  mts: 'video/mp2t', m2ts: 'video/mp2t', '3gp': 'video/3gpp', flv: 'video/x-flv', ogv: 'video/ogg',
};
export function contentTypeOf(file) {
  if (file.type) return file.type;
  const ext = (/\.([^.]+)$/.exec(file.name || '') || [])[1];
  return (ext && MIME_BY_EXT[ext.toLowerCase()]) || 'application/octet-stream';
}

/** Default transport: XMLHttpRequest, because fetch() cannot report upload progress. */
export function xhrTransport({ url, method, headers, body, onProgress, signal }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress && onProgress(e.loaded);
    xhr.onload = () => resolve({ status: xhr.status, statusText: xhr.statusText, text: xhr.responseText });
    xhr.onerror = () => reject(new ApiError(0, 'network', 'Network error'));
    xhr.ontimeout = () => reject(new ApiError(0, 'timeout', 'The request timed out'));
    xhr.onabort = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    if (signal) {
      if (signal.aborted) { xhr.abort(); return; }
      signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.send(body);
  });
}

/** Remembered uploads, for the "unfinished uploads" list. */
export function savedUploads(storage) {
  const out = [];
  try {
    for (let i = 0; i < storage.length; i++) {
      const k = storage.key(i);
      if (!k || !k.startsWith('lectern.upload:')) continue;
      try { out.push({ key: k, ...JSON.parse(storage.getItem(k)) }); } catch { /* ignore junk */ }
    }
  } catch { /* storage unavailable */ }
  return out.sort((a, b) => (b.savedAt || 0) - (a.savedAt || 0));
}

function retryable(err) {
  if (!(err instanceof ApiError)) return false;
  if (err.status === 0 || err.status === 408 || err.status === 425 || err.status === 429 || err.status >= 500) return true;
  return false;
}
// A 400/409/422 on a part usually means the bytes or checksum did not match on
// arrival; re-reading and re-hashing the chunk fixes a corrupted transfer.
function mismatch(err) {
  return err instanceof ApiError && (err.status === 400 || err.status === 422);
}
// The upload itself is gone or closed (expired, aborted, already completed):
// resuming it can never work, so the next attempt must start a new one.
function uploadGone(err) {
  return err instanceof ApiError && (err.status === 404 || err.status === 409 || err.status === 410);
}

export class Uploader {
  /**
   * @param {object} o
   * @param {File} o.file
   * @param {string} [o.title]
   * @param {string} [o.token]
   * @param {number} [o.concurrency] parts in flight (2–3)
   * @param {(p:{sent:number,total:number,transferred:number})=>void} [o.onProgress]
   * @param {(msg:string, kind?:string)=>void} [o.onStatus]
   */
  constructor(o) {
    this.file = o.file;
    this.title = o.title || '';
    this.token = o.token || '';
    this.concurrency = Math.max(1, Math.min(3, o.concurrency || 3));
    this.onProgress = o.onProgress || (() => {});
    this.onStatus = o.onStatus || (() => {});
    this.storage = o.storage || globalThis.localStorage;
    this.transport = o.transport || xhrTransport;
    this.api = o.api || defaultApi;
    this.base = o.base || '';
    this.maxAttempts = o.maxAttempts || 10;
    this.sleepImpl = o.sleep || ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.key = resumeKey(this.file);
    this.upload = null;
    this.doneBytes = 0;      // bytes of parts the server has confirmed
    this.inflight = new Map(); // part -> bytes sent so far
    this.transferred = 0;    // all bytes put on the wire this session (rate meter)
    this.paused = false;
    this.resumeWaiters = [];
    this.controllers = new Set();
    this.fatal = null;
    this.resumedParts = 0;
  }

  get sent() {
    let s = this.doneBytes;
    for (const v of this.inflight.values()) s += v;
    return Math.min(s, this.file.size);
  }

  progress() {
    this.onProgress({ sent: this.sent, total: this.file.size, transferred: this.transferred });
  }

  pause() {
    if (this.paused) return;
    this.paused = true;
    for (const c of this.controllers) c.abort();
    this.onStatus('Paused', 'paused');
  }

  resume() {
    if (!this.paused) return;
    this.paused = false;
    const w = this.resumeWaiters;
    this.resumeWaiters = [];
    w.forEach((r) => r());
    this.onStatus('Uploading…');
  }

  waitIfPaused() {
    if (!this.paused) return Promise.resolve();
    return new Promise((r) => this.resumeWaiters.push(r));
  }

  remember() {
    try {
      this.storage.setItem(this.key, JSON.stringify({
        uploadId: this.upload.id, name: this.file.name, size: this.file.size,
        lastModified: this.file.lastModified, title: this.title, savedAt: Date.now(),
      }));
    } catch { /* storage full or disabled: upload still works, just not resumable */ }
  }

  forget() {
    try { this.storage.removeItem(this.key); } catch { /* ignore */ }
  }

  call(path, opts = {}) {
    return this.api(this.base + path, { ...opts, token: this.token });
  }

  /** Find the remembered upload for this file, if the server still has it open. */
  async findResumable() {
    let saved = null;
    try { saved = JSON.parse(this.storage.getItem(this.key) || 'null'); } catch { saved = null; }
    if (!saved || !saved.uploadId) return null;
    try {
      const up = await this.call(`/api/v1/uploads/${encodeURIComponent(saved.uploadId)}`);
      const expired = up.expires_at && Date.parse(up.expires_at) < Date.now();
      if (up.status === 'open' && !expired && up.size === this.file.size) return up;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 0 || err.status >= 500 || err.status === 401 || err.status === 403) throw err;
      // 404/410: gone — start over below
    }
    this.forget();
    return null;
  }

  /** Run the whole upload; resolves with the API's {upload, video}. */
  async run() {
    this.onStatus('Preparing…');
    this.upload = await this.findResumable();
    if (this.upload) {
      this.resumed = true;
    } else {
      this.upload = await this.call('/api/v1/uploads', {
        method: 'POST',
        body: { filename: this.file.name, size: this.file.size, content_type: contentTypeOf(this.file), title: this.title },
      });
      this.remember();
    }
    let result = null;
    for (let round = 0; round < 3 && !result; round++) {
      const plan = pendingParts(this.upload);
      this.doneBytes = plan.doneBytes;
      if (round === 0) this.resumedParts = plan.total - plan.todo.length;
      this.progress();
      if (plan.todo.length) {
        this.onStatus(this.resumed && round === 0 && this.resumedParts
          ? `Resuming: ${this.resumedParts} of ${plan.total} parts already uploaded`
          : 'Uploading…');
        try {
          await this.sendAll(plan.todo);
        } catch (err) {
          if (uploadGone(err)) this.forget();
          throw err;
        }
      }
      this.onStatus('Finishing upload…');
      try {
        result = await this.withRetry(() => this.call(`/api/v1/uploads/${encodeURIComponent(this.upload.id)}/complete`, { method: 'POST', body: {} }));
      } catch (err) {
        // the server says something is missing or wrong: look again and send what it lacks
        if (!(err instanceof ApiError) || !(err.status === 400 || err.status === 409 || err.status === 422) || round === 2) throw err;
        this.upload = await this.call(`/api/v1/uploads/${encodeURIComponent(this.upload.id)}`);
        if (!pendingParts(this.upload).todo.length) throw err;
      }
    }
    this.forget();
    this.doneBytes = this.file.size;
    this.progress();
    return result;
  }

  async withRetry(fn) {
    for (let attempt = 1; ; attempt++) {
      await this.waitIfPaused();
      try {
        return await fn();
      } catch (err) {
        if (!retryable(err) || attempt >= this.maxAttempts) throw err;
        await this.backoff(attempt, err);
      }
    }
  }

  async backoff(attempt, err, part) {
    const delay = backoffDelay(attempt);
    const what = part ? `part ${part}` : 'the request';
    this.onStatus(`${err.message || 'Connection problem'} — retrying ${what} in ${Math.ceil(delay / 1000)} s (attempt ${attempt + 1})`, 'retry');
    await this.sleepImpl(delay);
    if (globalThis.navigator && globalThis.navigator.onLine === false && typeof globalThis.addEventListener === 'function') {
      this.onStatus('Offline — waiting for the connection to come back…', 'retry');
      await new Promise((r) => globalThis.addEventListener('online', r, { once: true }));
    }
    if (!this.paused) this.onStatus('Uploading…');
  }

  async sendAll(todo) {
    const queue = todo.slice();
    this.fatal = null;
    const worker = async () => {
      while (queue.length && !this.fatal) {
        const n = queue.shift();
        try {
          await this.sendPart(n);
        } catch (err) {
          if (!this.fatal) this.fatal = err;
          for (const c of this.controllers) c.abort();
          throw err;
        }
      }
    };
    const workers = [];
    for (let i = 0; i < Math.min(this.concurrency, todo.length); i++) workers.push(worker());
    const results = await Promise.allSettled(workers);
    if (this.fatal) throw this.fatal;
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async sendPart(n) {
    const { start, end, size } = partRange(n, this.upload.chunk_size, this.file.size);
    let mismatches = 0;
    for (let attempt = 1; ; attempt++) {
      await this.waitIfPaused();
      if (this.fatal) throw this.fatal;
      // The part is read once to hash it; the request then sends the Blob
      // slice, so the browser streams it from the file instead of holding
      // (and, under a debugger, copying) another buffer of chunk_size bytes.
      const slice = this.file.slice(start, end);
      let hash;
      try {
        hash = await sha256Hex(await slice.arrayBuffer());
      } catch (err) {
        throw new ApiError(0, 'file_unreadable', 'The file can no longer be read (was it moved or changed?). Choose it again to continue.');
      }
      if (this.fatal) throw this.fatal;
      if (this.paused) { attempt--; continue; } // paused while reading/hashing
      const ctrl = new AbortController();
      this.controllers.add(ctrl);
      this.inflight.set(n, 0);
      let last = 0;
      let lastAt = Date.now();
      const watchdog = setInterval(() => { if (Date.now() - lastAt > STALL_MS) ctrl.abort('stall'); }, 1000);
      try {
        const res = await this.transport({
          url: `${this.base}/api/v1/uploads/${encodeURIComponent(this.upload.id)}/parts/${n}`,
          method: 'PUT',
          headers: {
            'Content-Type': 'application/octet-stream',
            'X-Chunk-SHA256': hash,
            ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
          },
          body: slice,
          signal: ctrl.signal,
          onProgress: (loaded) => {
            lastAt = Date.now();
            if (loaded > last) { this.transferred += loaded - last; last = loaded; }
            this.inflight.set(n, Math.min(loaded, size));
          },
        });
        let data = null;
        try { data = res.text ? JSON.parse(res.text) : null; } catch { data = res.text; }
        if (res.status < 200 || res.status >= 300) throw errorFrom(res.status, data, res.statusText);
        if (data && typeof data === 'object' && data.sha256 && String(data.sha256).toLowerCase() !== hash) {
          throw new ApiError(422, 'checksum_mismatch', `Part ${n} arrived damaged (checksum mismatch)`);
        }
        if (last < size) this.transferred += size - last; // transports without progress events
        this.inflight.delete(n);
        this.doneBytes += size;
        this.progress();
        return;
      } catch (err) {
        this.inflight.delete(n);
        if (err && err.name === 'AbortError') {
          if (this.fatal) throw this.fatal;
          if (this.paused) { attempt--; continue; } // resume re-sends this part
          // stalled connection
          if (attempt >= this.maxAttempts) throw new ApiError(0, 'stalled', 'The connection stalled.');
          await this.backoff(attempt, new ApiError(0, 'stalled', 'The connection stalled'), n);
          continue;
        }
        if (mismatch(err) && mismatches < 2) {
          mismatches++;
          await this.backoff(attempt, err, n);
          continue;
        }
        if (!retryable(err) || attempt >= this.maxAttempts) throw err;
        await this.backoff(attempt, err, n);
      } finally {
        clearInterval(watchdog);
        this.controllers.delete(ctrl);
      }
    }
  }
}
