// xAPI Video Profile statements for one learner watching one video lesson
// (pure: the clock, the ids, the storage and where statements go are passed
// in; unit tested in test/videoprofile.test.js). The profile: ADL's xAPI
// Video Profile v1.0 (liveaspankaj/xapi-video-cop statement_data_model.md)
// and its machine-readable form (adlnet/xapi-authored-profiles
// video/video.jsonld, v1.0.2: statement templates and patterns).
//
// What is sent, and when (player event → statement):
//
//   ready (first)         initialized  context: length, completion-threshold, session-id
//                                      (= this statement's id), speed, user-agent
//   play                  played       result: time, played-segments, progress
//   every 10 s playing    played       the same (the heartbeat, see below)
//   pause, ended          paused       result: time, progress, played-segments
//   seeked                seeked       result: time-from, time-to, progress, played-segments
//   speed changed         interacted   context: speed; result: time
//   coverage ≥ threshold  completed    once per registration (remembered in localStorage
//                                      by registration + activity): result.completion true,
//                                      result.duration (ISO 8601, time spent playing under
//                                      this registration on this browser), time, progress,
//                                      played-segments
//   pagehide / destroy    (paused if playing, as the profile asks, then) terminated
//                                      result: time, progress, played-segments
//
// Every statement carries the context extensions length, completion-threshold
// and session-id, the registration, category https://w3id.org/xapi/video,
// parent = the lesson, grouping = the course.
//
// The heartbeat. The server credits watching from the played-segments of any
// statement, each credited only as far as the wall-clock time since the
// previous one makes plausible, so a player must report while it plays, not
// only when it stops: every 10 s of playback it sends what it has. The
// profile has no periodic verb. Its JSON-LD allows, between initialized and
// terminated, any number of played, paused, seeked, volumechange /
// screenchange / closed-captioning (interacted) and completed statements, and
// its played template lists played-segments as recommended. So the
// heartbeat is a `played` statement (time = the playhead, played-segments,
// progress): it conforms to the profile's templates and pattern.
// `interacted` would not (its templates are for volume, screen and caption
// changes, and the profile defines it as "except play, pause, seek"), and
// cmi5's `progressed` is outside the profile's verbs altogether. An LRS
// counting plays counts a `played` that follows a `played` with no paused or
// seeked between them as the same play.
//
// played-segments is the union of everything watched under the registration
// (the server's `watched` at load, then what this page plays), sorted and
// merged ("0.000[.]12.500[,]14.000[.]21.000"), not the chronological list
// the profile's example shows: the same coverage, a bounded string (a long
// lecture watched in many sittings stays a few segments), and re-sending it
// is idempotent. progress = covered seconds / length, 3 decimals.

export const VERBS = Object.freeze({
  initialized: 'http://adlnet.gov/expapi/verbs/initialized',
  played: 'https://w3id.org/xapi/video/verbs/played',
  paused: 'https://w3id.org/xapi/video/verbs/paused',
  seeked: 'https://w3id.org/xapi/video/verbs/seeked',
  interacted: 'http://adlnet.gov/expapi/verbs/interacted',
  completed: 'http://adlnet.gov/expapi/verbs/completed',
  terminated: 'http://adlnet.gov/expapi/verbs/terminated',
});

const EXT = 'https://w3id.org/xapi/video/extensions/';
/** Video Profile extension IRIs. */
export const EXTENSIONS = Object.freeze({
  time: `${EXT}time`,
  timeFrom: `${EXT}time-from`,
  timeTo: `${EXT}time-to`,
  progress: `${EXT}progress`,
  playedSegments: `${EXT}played-segments`,
  length: `${EXT}length`,
  completionThreshold: `${EXT}completion-threshold`,
  sessionId: `${EXT}session-id`,
  speed: `${EXT}speed`,
  userAgent: `${EXT}user-agent`,
});

export const VIDEO_ACTIVITY_TYPE = 'https://w3id.org/xapi/video/activity-type/video';
export const VIDEO_CATEGORY = 'https://w3id.org/xapi/video';

/** How often a playing video reports its played segments (ms of wall-clock time). */
export const HEARTBEAT_MS = 10_000;
/** A timeupdate further ahead than this (media seconds) is a jump, not playback. */
export const MAX_STEP = 4;

const X = EXTENSIONS;

/** x rounded to 3 decimals (the profile's precision for times and ratios). */
export function round3(x) {
  return Math.round(x * 1000) / 1000;
}

/** Seconds as an ISO 8601 duration: 218 → "PT218S", 65.456 → "PT65.46S" (xAPI keeps 0.01 s). */
export function isoDuration(seconds) {
  const s = Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 100) / 100 : 0;
  return `PT${s}S`;
}

/** Playback rate as the speed extension wants it: 1 → "1x", 1.5 → "1.5x". */
export function speedText(rate) {
  return `${round3(Number(rate) || 1)}x`;
}

/**
 * A version 4 UUID: crypto.randomUUID where there is one (secure contexts),
 * else from crypto.getRandomValues (plain http on a LAN name has only that).
 */
export function uuidv4(c = globalThis.crypto) {
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  const b = new Uint8Array(16);
  if (c && typeof c.getRandomValues === 'function') c.getRandomValues(b);
  else for (let i = 0; i < 16; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---------------------------------------------------------------- segments

/** Sorted, merged, non-empty segments ([[start, end]]), optionally clipped to [0, length]. */
export function unionSegments(list, length = 0) {
  const segs = [];
  for (const s of list || []) {
    if (!Array.isArray(s) || s.length < 2) continue;
    let a = Number(s[0]);
    let b = Number(s[1]);
    if (!Number.isFinite(a) || !Number.isFinite(b)) continue;
    if (a > b) [a, b] = [b, a];
    a = Math.max(0, a);
    if (length > 0) b = Math.min(length, b);
    if (b - a >= 0.001) segs.push([a, b]);
  }
  segs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const out = [];
  for (const s of segs) {
    const last = out[out.length - 1];
    if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else out.push([s[0], s[1]]);
  }
  return out;
}

/** Seconds covered by merged segments. */
export function coveredSeconds(segs) {
  return segs.reduce((sum, [a, b]) => sum + (b - a), 0);
}

/** [[0, 12.5], [14, 21]] → "0.000[.]12.500[,]14.000[.]21.000" */
export function formatSegments(segs) {
  return segs.map(([a, b]) => `${a.toFixed(3)}[.]${b.toFixed(3)}`).join('[,]');
}

/** formatSegments backwards (unmerged, as written); malformed parts are skipped. */
export function parseSegments(text) {
  if (!text) return [];
  const out = [];
  for (const part of String(text).split('[,]')) {
    const [a, b] = part.split('[.]').map(Number);
    if (Number.isFinite(a) && Number.isFinite(b)) out.push([a, b]);
  }
  return out;
}

/**
 * The played intervals of a video: closed ones plus the one being played.
 *   start(t)  playback started (or resumed after a seek) at t
 *   update(t) the playhead while playing; a step back or a jump of more than
 *             maxStep seconds ends the interval and starts another at t
 *   stop(t)   playback stopped at t (pause, seek, end)
 * @param {{length?:number, watched?:number[][], maxStep?:number}} opts
 */
export function createSegmentTracker({ length = 0, watched = [], maxStep = MAX_STEP } = {}) {
  let closed = unionSegments(watched, length);
  let open = null; // {start, last}

  function close() {
    if (open && open.last > open.start) closed = unionSegments([...closed, [open.start, open.last]], length);
    open = null;
  }
  function step(t) {
    return Number.isFinite(t) && t >= open.last && t - open.last <= maxStep;
  }

  return {
    start(t) {
      if (!Number.isFinite(t)) return;
      close();
      open = { start: t, last: t };
    },
    update(t) {
      if (!open || !Number.isFinite(t)) return;
      if (step(t)) { open.last = t; return; }
      close();
      open = { start: t, last: t };
    },
    stop(t) {
      if (!open) return;
      if (step(t)) open.last = t;
      close();
    },
    /** Add segments known elsewhere (the server's watched). */
    merge(segs) {
      closed = unionSegments([...closed, ...(segs || [])], length);
    },
    playing: () => open !== null,
    segments() {
      return open && open.last > open.start ? unionSegments([...closed, [open.start, open.last]], length) : closed.map((s) => s.slice());
    },
    covered() {
      return coveredSeconds(this.segments());
    },
    /** covered / length, 3 decimals, at most 1 (0 without a length). */
    progress() {
      return length > 0 ? Math.min(1, round3(this.covered() / length)) : 0;
    },
    /** The furthest point of any played segment (0 when none). */
    furthest() {
      const segs = this.segments();
      return segs.length ? segs[segs.length - 1][1] : 0;
    },
    text() {
      return formatSegments(this.segments());
    },
  };
}

// ---------------------------------------------------------------- session

function storageGet(storage, key) {
  try { return storage ? storage.getItem(key) : null; } catch { return null; }
}
function storageSet(storage, key, value) {
  try { if (storage) storage.setItem(key, String(value)); } catch { /* not kept */ }
}

/** localStorage key remembering the completed statement of a registration + activity. */
export function completedKey(registration, activityId) {
  return `lectern.xapi.completed:${registration || ''}|${activityId}`;
}
/** localStorage key of the seconds spent playing under a registration + activity (result.duration). */
export function watchTimeKey(registration, activityId) {
  return `lectern.xapi.watchtime:${registration || ''}|${activityId}`;
}

/**
 * One video session: initialized … terminated.
 * @param {object} p
 * @param {object} p.xapi  the playback's xapi block: activity_id, registration, actor, lesson_activity_id, course_activity_id
 * @param {string} [p.name]  the activity's name (the lesson title)
 * @param {number} p.length  the whole video's duration, seconds
 * @param {number} [p.threshold]  completion threshold 0..1 (default 1)
 * @param {number[][]} [p.watched]  what the server has credited so far
 * @param {number} [p.speed]  the playback rate at start
 * @param {string} [p.userAgent]
 * @param {(s:object)=>void} p.send  where statements go (the queue)
 * @param {()=>string} p.uuid
 * @param {()=>number} [p.now]  ms
 * @param {Storage} [p.storage]
 */
export function createVideoSession({
  xapi, name = '', length, threshold = 1, watched = [], speed = 1, userAgent = '',
  send, uuid, now = () => Date.now(), storage = null,
}) {
  const len = Number(length) > 0 ? Number(length) : 0;
  const thr = Number.isFinite(Number(threshold)) ? Math.min(1, Math.max(0, Number(threshold))) : 1;
  const tracker = createSegmentTracker({ length: len, watched });
  const doneKey = completedKey(xapi.registration, xapi.activity_id);
  const timeKey = watchTimeKey(xapi.registration, xapi.activity_id);
  // Coverage already at the threshold when the page opened was reached before (here or on
  // another device), when `completed` was due: it is not sent again from this page.
  const belowAtStart = len > 0 && tracker.covered() / len < thr - 1e-9;
  let completedSent = !!storageGet(storage, doneKey);

  let state = 'new'; // 'new' | 'open' | 'terminated'
  let sessionId = '';
  let playing = false;
  let position = 0;
  let rate = Number(speed) || 1;
  let lastReport = 0; // ms: the last statement with played-segments
  let playClock = 0;  // ms: playing since (for result.duration)

  function statement(verb, { result = null, context = {} } = {}) {
    const id = uuid();
    if (verb === 'initialized') sessionId = id;
    const contextActivities = { category: [{ id: VIDEO_CATEGORY }] };
    if (xapi.lesson_activity_id) contextActivities.parent = [{ id: xapi.lesson_activity_id }];
    if (xapi.course_activity_id) contextActivities.grouping = [{ id: xapi.course_activity_id }];
    const ctx = { contextActivities, extensions: { [X.length]: round3(len), [X.completionThreshold]: round3(thr), [X.sessionId]: sessionId, ...context } };
    if (xapi.registration) ctx.registration = xapi.registration;
    const s = {
      id,
      actor: xapi.actor,
      verb: { id: VERBS[verb], display: { 'en-US': verb } },
      object: {
        id: xapi.activity_id,
        objectType: 'Activity',
        definition: { type: VIDEO_ACTIVITY_TYPE, name: { und: name || 'Video' } },
      },
      context: ctx,
      timestamp: new Date(now()).toISOString(),
    };
    if (result) s.result = result;
    return s;
  }

  /** result.extensions with the playhead and what has been watched. */
  function watchedResult(t, extra = {}) {
    return { [X.time]: round3(t), [X.progress]: tracker.progress(), [X.playedSegments]: tracker.text(), ...extra };
  }

  function emit(verb, opts) {
    const s = statement(verb, opts);
    if (opts && opts.result && opts.result.extensions && X.playedSegments in opts.result.extensions) lastReport = now();
    send(s);
    return s;
  }

  /** Seconds spent playing under this registration on this browser (persisted on each call). */
  function accrue() {
    const total = Number(storageGet(storage, timeKey)) || 0;
    if (!playing || !playClock) return total;
    const t = now();
    const next = total + Math.max(0, t - playClock) / 1000;
    playClock = t;
    storageSet(storage, timeKey, round3(next));
    return next;
  }

  function checkCompleted(t) {
    if (completedSent || !belowAtStart || !len) return;
    if (tracker.covered() / len < thr - 1e-9) return;
    completedSent = true;
    const s = emit('completed', {
      result: { completion: true, duration: isoDuration(accrue()), extensions: watchedResult(t) },
    });
    storageSet(storage, doneKey, s.id);
  }

  const open = () => state === 'open';
  const ok = (t) => Number.isFinite(t);

  const session = {
    tracker,
    get id() { return sessionId; },
    get state() { return state; },
    get playing() { return playing; },
    get completedSent() { return completedSent; },

    /** The video is ready: the session starts (once; again only after terminate + reopen). */
    initialize(t = 0) {
      if (state !== 'new') return;
      if (ok(t)) position = t;
      const context = { [X.speed]: speedText(rate) };
      if (userAgent) context[X.userAgent] = userAgent;
      emit('initialized', { context });
      state = 'open';
    },
    play(t) {
      if (!open() || playing || !ok(t)) return;
      playing = true;
      playClock = now();
      position = t;
      tracker.start(t);
      emit('played', { result: { extensions: watchedResult(t) } });
    },
    /** The playhead (timeupdate): extends the played segment, sends the heartbeat, and completed when due. */
    time(t) {
      if (!open() || !ok(t)) return;
      position = t;
      if (!playing) return;
      tracker.update(t);
      checkCompleted(t);
      if (now() - lastReport >= HEARTBEAT_MS) {
        accrue();
        emit('played', { result: { extensions: watchedResult(t) } });
      }
    },
    pause(t) {
      if (!open() || !playing) return;
      if (ok(t)) position = t;
      tracker.stop(position);
      accrue();
      playing = false;
      emit('paused', { result: { extensions: watchedResult(position) } });
      checkCompleted(position);
    },
    /** The media ended (of the whole video, or where the unlocked part ends): a pause. */
    ended(t) {
      session.pause(t);
    },
    /** A seek started: the played segment ends where playback was. */
    seeking() {
      if (!open()) return;
      tracker.stop(position);
    },
    seeked(from, to) {
      if (!open() || !ok(to)) return;
      const f = ok(from) ? from : position;
      tracker.stop(position); // in case seeking was not reported
      position = to;
      if (playing) tracker.start(to);
      emit('seeked', { result: { extensions: { [X.timeFrom]: round3(f), [X.timeTo]: round3(to), [X.progress]: tracker.progress(), [X.playedSegments]: tracker.text() } } });
    },
    /** The playback rate changed: interacted with the new speed. */
    rate(r, t) {
      const next = Number(r);
      if (!Number.isFinite(next) || next <= 0 || next === rate) return;
      rate = next;
      if (!open()) return;
      emit('interacted', { result: { extensions: { [X.time]: round3(ok(t) ? t : position) } }, context: { [X.speed]: speedText(rate) } });
    },
    /** Segments the server credited meanwhile (a refreshed playback). */
    merge(segs) {
      tracker.merge(segs);
    },
    /** The page goes away: paused first when playing (the profile asks for it), then terminated. */
    terminate(t) {
      if (!open()) return;
      if (ok(t)) position = t;
      if (playing) session.pause(position);
      emit('terminated', { result: { extensions: watchedResult(position) } });
      state = 'terminated';
    },
    /** After terminate (a page restored from the back/forward cache): a new session, initialized at t. */
    reopen(t = position) {
      if (state !== 'terminated') return;
      state = 'new';
      playing = false;
      session.initialize(t);
    },
  };
  return session;
}
