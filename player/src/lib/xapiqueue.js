// The durable xAPI statement queue (the core is pure but for what is passed
// in: storage, fetch, timers; unit tested in test/xapiqueue.test.js).
//
// Semantics:
// - enqueue(statement) appends to a list persisted in localStorage under one
//   key per actor + endpoint (queueKey), read and written on every change, so
//   tabs of the same learner share it and a reload loses nothing: whatever
//   is pending when a page opens is sent by that page.
// - Statements go in order, in batches (at most 50 statements or 256 KB) as
//   a JSON array: POST <endpoint>statements, Content-Type application/json,
//   X-Experience-API-Version 1.0.3, same-origin credentials (the session
//   cookie). One request at a time.
// - A statement leaves the queue only when the LRS answered for it:
//   200/204 stored; 400 or 409 refused for good (dropped with a warning; a
//   refused batch is retried one statement at a time first, so only the
//   statements at fault are dropped; 409 means that id is stored with other
//   content, the same statement sent again with its id is accepted). 413:
//   one at a time, then dropped. Anything else (network error, 401, 403, 404,
//   408, 429, 5xx) keeps the batch and retries after an exponential back-off
//   (1 s doubling up to 60 s, with jitter; Retry-After when the LRS gives one).
//   Re-sending is safe: statements carry their ids.
// - The list is bounded (2,000): past it the oldest statement that is not a
//   `completed` goes first, with a warning.
// - Leaving the page (pagehide, visibilitychange → hidden) sends what is
//   pending with fetch keepalive (up to the browser's 64 KB for such
//   requests); the statements stay queued until the answer confirms them, so
//   a page that dies first sends them again on the next load. A statement
//   in a request that has not answered yet is not put in another one (for
//   30 s at most: a frozen page's requests do not hold it forever).

export const QUEUE_MAX = 2000;
export const BATCH_MAX = 50;
export const BATCH_BYTES = 256 * 1024;
/** Browsers refuse keepalive requests past 64 KB in flight; leave room for headers. */
export const KEEPALIVE_BYTES = 60 * 1024;
export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 60_000;
/** Statements enqueued together (paused + seeked) go in one request. */
export const DEBOUNCE_MS = 200;
/** A statement in a request is not put in another for this long (unless the request failed first). */
export const INFLIGHT_MS = 30_000;

const COMPLETED = 'http://adlnet.gov/expapi/verbs/completed';

/** The localStorage key of the queue of one actor at one endpoint. */
export function queueKey(endpoint, actor) {
  const a = actor || {};
  let who = '';
  if (a.account) who = `${a.account.homePage || ''}|${a.account.name || ''}`;
  else who = a.mbox || a.mbox_sha1sum || a.openid || JSON.stringify(a);
  return `lectern.xapi.queue:${endpoint}|${who}`;
}

/** The statements resource of an endpoint ("…/xapi/" or "…/xapi"). */
export function statementsUrl(endpoint) {
  return `${String(endpoint || '').replace(/\/+$/, '')}/statements`;
}

/** Back-off before retry number n (1, 2, …): 1 s, 2 s, 4 s … 60 s, each between half and all of it. */
export function backoffDelay(n, random = Math.random) {
  const full = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, n - 1));
  return Math.round(full / 2 + (full / 2) * random());
}

/** What to do with a batch after an answer with this status (0: no answer). */
export function classify(status) {
  if (status === 200 || status === 204) return 'stored';
  if (status === 400 || status === 409) return 'refused';
  if (status === 413) return 'too_large';
  return 'retry';
}

/** Retry-After (seconds or an HTTP date) in ms, or null. */
export function retryAfterMs(value, now = Date.now()) {
  if (value == null || value === '') return null;
  const s = Number(value);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const d = Date.parse(value);
  return Number.isNaN(d) ? null : Math.max(0, d - now);
}

/**
 * The first statements of list that fit a request: at most max and bytes
 * (at least one, even when it alone is larger).
 */
export function takeBatch(list, max = BATCH_MAX, bytes = BATCH_BYTES) {
  const out = [];
  let size = 2;
  for (const s of list) {
    if (out.length >= max) break;
    const n = JSON.stringify(s).length + 1;
    if (out.length && size + n > bytes) break;
    out.push(s);
    size += n;
  }
  return out;
}

/**
 * @param {object} p
 * @param {string} p.endpoint  the LRS endpoint ("http://…/xapi/")
 * @param {object} p.actor
 * @param {Storage|null} [p.storage]  localStorage (null: memory only)
 * @param {typeof fetch} p.fetch
 * @param {(fn, ms)=>any} [p.setTimeout]
 * @param {(id)=>void} [p.clearTimeout]
 * @param {()=>number} [p.random]
 * @param {()=>number} [p.now]
 * @param {(...args)=>void} [p.warn]
 * @param {number} [p.max]  queue bound
 * @param {number} [p.batch]  statements per request
 * @param {number} [p.debounceMs]
 */
export function createXapiQueue({
  endpoint, actor, storage = null, fetch: doFetch,
  setTimeout: setT = globalThis.setTimeout, clearTimeout: clearT = globalThis.clearTimeout,
  random = Math.random, now = () => Date.now(), warn = (...a) => console.warn(...a),
  max = QUEUE_MAX, batch = BATCH_MAX, debounceMs = DEBOUNCE_MS,
}) {
  const key = queueKey(endpoint, actor);
  const url = statementsUrl(endpoint);
  let persistent = !!storage;
  let memory = [];
  const sentList = [];
  let timer = null;
  let timerAt = 0;
  let failures = 0;   // consecutive retryable failures (back-off exponent)
  let singles = 0;    // statements to send one at a time (isolating a refused batch)
  let running = null; // the flush in progress
  let again = false;  // flush requested while one ran
  let stopped = false;
  const inflight = new Map(); // statement id -> until (ms): in a request that has not answered

  // ---------------------------------------------------------------- storage
  function read() {
    if (!persistent) return memory.slice();
    try {
      const raw = storage.getItem(key);
      if (raw == null) return [];
      const v = JSON.parse(raw);
      return Array.isArray(v) ? v.filter((s) => s && typeof s === 'object' && typeof s.id === 'string') : [];
    } catch {
      return memory.slice();
    }
  }
  function write(list) {
    memory = list.slice();
    if (!persistent) return;
    try {
      if (list.length) storage.setItem(key, JSON.stringify(list));
      else storage.removeItem(key);
    } catch (err) {
      // full or unavailable: keep going in memory (what is pending is lost on reload)
      persistent = false;
      warn('lectern: xAPI statements cannot be kept in localStorage; they are held in memory', err);
    }
  }
  function remove(ids) {
    const gone = new Set(ids);
    write(read().filter((s) => !gone.has(s.id)));
  }
  function bound(list) {
    let dropped = 0;
    while (list.length > max) {
      let i = list.findIndex((s) => !(s.verb && s.verb.id === COMPLETED));
      if (i < 0) i = 0;
      list.splice(i, 1);
      dropped++;
    }
    if (dropped) warn(`lectern: xAPI queue full (${max}); dropped the ${dropped} oldest statement(s)`);
    return list;
  }

  // ---------------------------------------------------------------- timers
  function schedule(ms) {
    if (stopped) return;
    const at = now() + ms;
    if (timer !== null && timerAt <= at) return; // an earlier run is already due
    if (timer !== null) clearT(timer);
    timerAt = at;
    timer = setT(() => { timer = null; flush(); }, ms);
  }
  function unschedule() {
    if (timer !== null) clearT(timer);
    timer = null;
  }

  // ---------------------------------------------------------------- sending
  async function post(list, keepalive = false) {
    try {
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Experience-API-Version': '1.0.3' },
        body: JSON.stringify(list),
        credentials: 'same-origin',
        keepalive,
      });
      const retryAfter = res.headers && typeof res.headers.get === 'function' ? res.headers.get('Retry-After') : null;
      return { status: res.status, retryAfter };
    } catch {
      return { status: 0, retryAfter: null };
    }
  }

  function busy(s) {
    const until = inflight.get(s.id);
    if (until === undefined) return false;
    if (until > now()) return true;
    inflight.delete(s.id);
    return false;
  }
  /** Send list (marking its statements in flight until the answer). */
  async function send(list, keepalive = false) {
    const until = now() + INFLIGHT_MS;
    for (const s of list) inflight.set(s.id, until);
    try {
      return await post(list, keepalive);
    } finally {
      for (const s of list) inflight.delete(s.id);
    }
  }

  function stored(list) {
    const before = new Set(read().map((s) => s.id));
    remove(list.map((s) => s.id));
    // a statement confirmed twice (a keepalive and a flush raced) is listed once
    for (const s of list) if (before.has(s.id)) sentList.push(s);
    if (sentList.length > max) sentList.splice(0, sentList.length - max);
  }

  /** One request → true to go on with the next batch, false to stop (retry scheduled or empty). */
  async function step() {
    const list = read().filter((s) => !busy(s));
    if (!list.length) { singles = 0; return false; }
    const one = singles > 0;
    const b = takeBatch(list, one ? 1 : batch);
    const { status, retryAfter } = await send(b);
    const kind = classify(status);
    if (kind === 'retry') {
      failures++;
      const wait = retryAfterMs(retryAfter, now());
      schedule(wait !== null ? Math.min(Math.max(wait, BACKOFF_BASE_MS), 10 * BACKOFF_MAX_MS) : backoffDelay(failures, random));
      return false;
    }
    failures = 0;
    if (kind === 'stored') {
      stored(b);
    } else if (b.length > 1) {
      singles = b.length; // find the statement(s) at fault
      return true;
    } else {
      warn(`lectern: the LRS refused xAPI statement ${b[0].id} (HTTP ${status}); dropped`, b[0]);
      remove([b[0].id]);
    }
    if (one) singles--;
    return true;
  }

  /** Send everything pending now (a back-off wait is skipped) → {sent, pending}. */
  function flush() {
    if (stopped) return Promise.resolve({ sent: sentList.length, pending: read().length });
    if (running) { again = true; return running; }
    unschedule();
    running = (async () => {
      try {
        do {
          again = false;
          // eslint-disable-next-line no-await-in-loop
          while (await step());
        } while (again && timer === null);
      } finally {
        running = null;
      }
      return { sent: sentList.length, pending: read().length };
    })();
    return running;
  }

  return {
    key,
    /** Append a statement (kept across reloads) and send it shortly. */
    enqueue(statement) {
      const list = read();
      if (list.some((s) => s.id === statement.id)) return;
      list.push(statement);
      write(bound(list));
      if (failures === 0) schedule(debounceMs); // while backing off, the retry timer sends it
    },
    flush,
    /**
     * The page is going away: send what is pending with keepalive requests (as much as the
     * browser lets through); what the answers confirm leaves the queue, the rest stays.
     */
    flushKeepalive() {
      let list = read().filter((s) => !busy(s));
      let budget = KEEPALIVE_BYTES;
      const out = [];
      while (list.length) {
        const b = takeBatch(list, batch, Math.min(budget, BATCH_BYTES));
        const size = JSON.stringify(b).length;
        if (size > budget) break;
        budget -= size;
        list = list.slice(b.length);
        out.push(send(b, true).then(({ status }) => { if (classify(status) === 'stored') stored(b); }));
      }
      return Promise.all(out);
    },
    /** Copies of the statements not yet confirmed. */
    pending: () => read(),
    /** The statements this page saw stored (oldest first, at most max). */
    sent: () => sentList.slice(),
    stop() {
      stopped = true;
      unschedule();
    },
  };
}

/**
 * Page wiring: pending statements go out when the page opens, when the
 * network is back, and (keepalive) when the page is hidden or left.
 * onLeave runs first on pagehide (to queue a terminated statement).
 * @returns {() => void} unbind
 */
export function bindQueueToPage(queue, win, { onLeave = null, onReturn = null } = {}) {
  const doc = win.document;
  const onPageHide = (e) => {
    if (onLeave) onLeave(e);
    queue.flushKeepalive();
  };
  const onPageShow = (e) => {
    if (e.persisted && onReturn) onReturn(e);
    queue.flush();
  };
  const onVisibility = () => {
    if (doc.visibilityState === 'hidden') queue.flushKeepalive();
    else queue.flush();
  };
  const onOnline = () => queue.flush();
  win.addEventListener('pagehide', onPageHide);
  win.addEventListener('pageshow', onPageShow);
  win.addEventListener('online', onOnline);
  doc.addEventListener('visibilitychange', onVisibility);
  queue.flush();
  return () => {
    win.removeEventListener('pagehide', onPageHide);
    win.removeEventListener('pageshow', onPageShow);
    win.removeEventListener('online', onOnline);
    doc.removeEventListener('visibilitychange', onVisibility);
  };
}
