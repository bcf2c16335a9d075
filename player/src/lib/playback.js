// A video lesson's playback (GET /api/v1/courses/{c}/lessons/{l}/playback),
// its pure part (unit tested in test/playback.test.js): the player's video
// object, when to refresh and what changed, the navigation policy as a seek
// guard, and what the lesson still asks before it completes.
import { formatTime } from './format.js';

export const NAVIGATION = ['free', 'no_skip_ahead', 'no_seek'];
/** Seeks up to this far past the furthest point watched are not "skipping ahead". */
export const AHEAD_TOLERANCE = 1;
export const REFRESH_DEFAULT_S = 240;

/** What the seek guard tells the learner when it refuses a seek. */
export const REFUSALS = {
  no_seek: 'Seeking is turned off for this lesson',
  ahead: 'You can skip only to what you have already watched',
};

const num = (v, d = 0) => (Number.isFinite(Number(v)) && v !== null && v !== '' ? Number(v) : d);

/** The lesson's policy with defaults. */
export function policyOf(pb) {
  const p = (pb && pb.policy) || {};
  return {
    navigation: NAVIGATION.includes(p.navigation) ? p.navigation : 'free',
    maxSpeed: num(p.max_speed, 0) > 0 ? num(p.max_speed) : Infinity,
    threshold: Math.min(1, Math.max(0, num(p.completion_threshold, 1))),
    masteryScore: p.mastery_score == null ? null : num(p.mastery_score, null),
  };
}

/** The player's video object (what GET /api/v1/videos/{id} gives, plus the unlocked part). */
export function playbackVideo(pb, title = '') {
  return {
    id: pb.video_id,
    status: 'ready',
    title,
    hls: pb.hls || '',
    dash: pb.dash || '',
    thumbnails: pb.thumbnails || null,
    poster: pb.poster || null,
    duration: num(pb.duration),
    unlocked_until: Math.min(num(pb.unlocked_until, num(pb.duration)), num(pb.duration) || Infinity),
  };
}

/**
 * Where to start: the saved position (from any device), within the unlocked
 * part; from the start when it is at the end of the video.
 */
export function resumePosition(pb) {
  const d = num(pb.duration);
  const p = num(pb.position);
  if (!(p > 0)) return 0;
  if (d && p >= d - 2) return 0;
  return Math.min(p, num(pb.unlocked_until, d) || p);
}

/** What a refreshed playback changes: new URLs (credentials), more media unlocked. */
export function sourceChange(prev, next) {
  const urls = ['hls', 'dash', 'thumbnails'].some((k) => (prev[k] || '') !== (next[k] || ''));
  const grew = num(next.unlocked_until) > num(prev.unlocked_until) + 0.001;
  return { urls, grew };
}

/**
 * ms until the next refresh: refresh_after (default 240 s), sooner when the
 * URLs expire first (30 s before expires_at), never under 5 s.
 */
export function refreshDelay(pb, now = Date.now()) {
  let s = num(pb && pb.refresh_after, REFRESH_DEFAULT_S);
  if (s <= 0) s = REFRESH_DEFAULT_S;
  const exp = pb && pb.expires_at ? Date.parse(pb.expires_at) : NaN;
  if (Number.isFinite(exp)) s = Math.min(s, (exp - now) / 1000 - 30);
  return Math.round(Math.max(5, s) * 1000);
}

/**
 * The navigation policy as the player's seek guard.
 *   free           every seek (a checkpoint clamp aside)
 *   no_skip_ahead  back anywhere; forward only up to the furthest point watched
 *   no_seek        none, except the one permit()ted (the server's jump_to)
 * A forward seek over a checkpoint that stops the learner stops at it (plan.clamp).
 * @param {object} p
 * @param {string} p.navigation
 * @param {() => number} p.furthest  furthest point watched (server + this page)
 * @param {{clamp(from:number, to:number):number}|null} [p.plan]  the checkpoints
 * @param {(reason:'no_seek'|'ahead') => void} [p.onRefuse]
 */
export function createNavigationGuard({ navigation = 'free', furthest = () => 0, plan = null, onRefuse = () => {} }) {
  let nav = NAVIGATION.includes(navigation) ? navigation : 'free';
  let permitted = null;
  return {
    guard(from, to) {
      if (permitted !== null && Math.abs(to - permitted) < 0.5) {
        permitted = null;
        return to;
      }
      if (nav === 'no_seek') { onRefuse('no_seek'); return null; }
      let t = to;
      if (plan && t > from) t = plan.clamp(from, t);
      if (nav === 'no_skip_ahead' && t > from && t > Math.max(furthest(), from) + AHEAD_TOLERANCE) {
        onRefuse('ahead');
        return null;
      }
      return t;
    },
    /** Let the next seek to t through whatever the policy (once). */
    permit(t) { permitted = t; },
    setNavigation(n) { if (NAVIGATION.includes(n)) nav = n; },
    get navigation() { return nav; },
  };
}

const pct = (x) => `${Math.round(x * 100)}%`;
const times = (cps) => cps.map((c) => formatTime(c.at)).join(', ');

/**
 * What the lesson still asks before it completes, in words ([] when
 * complete, or when nothing the page knows is missing).
 * @param {object} p
 * @param {boolean} p.completed
 * @param {number} p.progress   coverage 0..1
 * @param {number} p.threshold  completion threshold 0..1
 * @param {object[]} p.checkpoints  [{at, required, must_pass, passed, attempts}]
 * @param {number|null} [p.masteryScore]
 */
export function missingForCompletion({ completed, progress, threshold, checkpoints = [], masteryScore = null }) {
  if (completed) return [];
  const out = [];
  if (progress + 1e-9 < threshold) out.push(`Watch ${pct(threshold)} of the video (${pct(progress)} so far)`);
  const toPass = checkpoints.filter((c) => c.required && c.must_pass && !c.passed);
  const toAnswer = checkpoints.filter((c) => c.required && !c.must_pass && !c.passed && !(c.attempts > 0));
  if (toPass.length) out.push(`Pass the checkpoint${toPass.length > 1 ? 's' : ''} at ${times(toPass)}`);
  if (toAnswer.length) out.push(`Answer the checkpoint${toAnswer.length > 1 ? 's' : ''} at ${times(toAnswer)}`);
  if (!out.length && masteryScore != null) out.push(`Score at least ${pct(masteryScore)} on the checkpoints`);
  return out;
}
