// A video lesson on the lesson page: the player mounted from the lesson's
// playback (GET /api/v1/courses/{c}/lessons/{l}/playback), with what the
// playback asks of it: resume at the saved position, the speed cap, the
// navigation policy and the locked tail as the seek guard, checkpoints
// (lib/checkpoints.js) shown where playback reaches them, xAPI Video Profile
// statements (lib/videoprofile.js) through the durable queue
// (lib/xapiqueue.js), and the playback re-read every refresh_after seconds
// and after a checkpoint is passed (new URLs, more media unlocked).
//
// A server without the playback endpoint (404) gets the lesson's video as
// before (GET /api/v1/videos/{id}), with none of the above.
import { api, ApiError } from './api.js';
import { mountPlayer } from './player.js';
import {
  policyOf, playbackVideo, resumePosition, sourceChange, refreshDelay, createNavigationGuard, missingForCompletion, REFUSALS,
} from './playback.js';
import { createCheckpointPlan, openCheckpointOverlay, AT_TOLERANCE } from './checkpoints.js';
import { createVideoSession, uuidv4 } from './videoprofile.js';
import { createXapiQueue, bindQueueToPage } from './xapiqueue.js';

function safeStorage() {
  try {
    const s = window.localStorage;
    s.getItem('lectern.probe');
    return s;
  } catch {
    return null;
  }
}

/**
 * @param {object} p
 * @param {HTMLElement} p.host  the empty #player element
 * @param {{id:string}} p.course
 * @param {{id:string, title:string, video_id?:string, video?:object}} p.lesson
 * @param {() => void} p.onChange  the lesson's completion may have changed (an attempt, the end, a refresh): re-read progress
 * @param {(err:ApiError) => void} p.onUnauthorized
 * @returns {{player:object, missing():string[], completed():boolean, legacy():boolean}}
 */
export function mountLessonVideo({ host, course, lesson, onChange = () => {}, onUnauthorized }) {
  const path = `/api/v1/courses/${encodeURIComponent(course.id)}/lessons/${encodeURIComponent(lesson.id)}/playback`;
  const videoId = lesson.video_id || (lesson.video && lesson.video.id) || '';
  let pb = null;        // the playback last read
  let legacy = false;   // no playback endpoint on this server
  let completed = false;
  let wired = false;
  let plan = null;      // the checkpoints, once wired
  let player = null;

  async function legacyVideo(id) {
    legacy = true;
    return lesson.video && lesson.video.status && (lesson.video.hls || lesson.video.dash)
      ? lesson.video
      : api(`/api/v1/videos/${encodeURIComponent(id)}`);
  }

  /** The player's load(): the playback as a video object (polled while the video is not ready). */
  async function load(id) {
    if (legacy) return legacyVideo(id);
    try {
      pb = await api(path);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && !pb) return legacyVideo(id);
      if (err instanceof ApiError && err.status === 409 && err.code === 'not_ready') {
        // still processing: the video's own status says how far it is (then ask the playback again)
        const v = id ? await api(`/api/v1/videos/${encodeURIComponent(id)}`).catch(() => null) : null;
        return v && v.status && v.status !== 'ready' ? v : { status: 'processing', title: lesson.title };
      }
      throw err;
    }
    completed = !!pb.completed;
    const policy = policyOf(pb);
    if (player) player.setMaxSpeed(policy.maxSpeed);
    return playbackVideo(pb, lesson.title);
  }

  player = mountPlayer(host, {
    videoId: videoId || 'lesson',
    documentTitle: false,
    load,
    startAt: () => (pb ? resumePosition(pb) : 0),
    onUnauthorized,
  });

  player.on('ready', () => {
    if (!legacy && pb && !wired) {
      wired = true;
      wire();
    }
  });

  function wire() {
    const video = player.video;
    const storage = safeStorage();
    let policy = policyOf(pb);
    plan = createCheckpointPlan(pb.checkpoints);
    let furthestServer = Number(pb.furthest) || 0;
    let overlay = null;
    let prevT = resumePosition(pb);

    // ---------------------------------------------------------------- xAPI
    let session = null;
    let queue = null;
    if (pb.xapi && pb.xapi.endpoint && pb.xapi.activity_id) {
      queue = createXapiQueue({ endpoint: pb.xapi.endpoint, actor: pb.xapi.actor, storage, fetch: (...a) => fetch(...a) });
      session = createVideoSession({
        xapi: pb.xapi,
        name: lesson.title,
        length: Number(pb.duration) || player.duration(),
        threshold: policy.threshold,
        watched: pb.watched || [],
        speed: video.playbackRate,
        userAgent: navigator.userAgent,
        send: (s) => queue.enqueue(s),
        uuid: () => uuidv4(),
        storage,
      });
      session.initialize(prevT);
      bindQueueToPage(queue, window, {
        onLeave: () => session.terminate(player.currentTime()),
        onReturn: () => session.reopen(player.currentTime()),
      });
      window.lecternXapi = Object.freeze({
        pending: () => queue.pending(),
        sent: () => queue.sent(),
        flush: () => queue.flush(),
        sessionId: () => session.id,
        playedSegments: () => session.tracker.text(),
        progress: () => session.tracker.progress(),
      });
    }
    const furthest = () => Math.max(furthestServer, session ? session.tracker.furthest() : 0);

    // ---------------------------------------------------------------- navigation
    const guard = createNavigationGuard({
      navigation: policy.navigation,
      furthest,
      plan,
      onRefuse: (reason) => player.note(REFUSALS[reason] || 'You cannot seek there'),
    });
    player.setSeekGuard(guard.guard);
    player.setMaxSpeed(policy.maxSpeed);
    player.setMarkers(plan.markers());
    host.dataset.navigation = policy.navigation;

    // ---------------------------------------------------------------- checkpoints
    let refreshing = null;

    function show(cp) {
      if (overlay) return;
      player.pause();
      if (video.webkitDisplayingFullscreen && video.webkitExitFullscreen) video.webkitExitFullscreen(); // the iPhone's full screen hides the overlay
      overlay = openCheckpointOverlay({
        layer: player.layer,
        checkpoint: cp,
        submit: (answers) => api(`/api/v1/checkpoints/${encodeURIComponent(cp.id)}/attempts`, { method: 'POST', body: { answers } }),
        onResult(res) {
          plan.applyResult(cp.id, res);
          player.setMarkers(plan.markers());
          if (res.lesson_completed) completed = true;
          if (res.passed || Number(res.unlocked_until) > Number(pb.unlocked_until)) refreshing = refresh();
          onChange();
        },
        async onContinue() {
          await (refreshing || refresh());
          overlay = null;
          if (!cp.required) plan.skip(cp.id);
          prevT = cp.at + AT_TOLERANCE + 0.01;
          player.play().catch(() => {});
        },
        onRewatch(t) {
          overlay = null;
          guard.permit(t);
          player.seek(t);
          prevT = t;
          player.play().catch(() => {});
        },
        onSkip() {
          overlay = null;
          plan.skip(cp.id);
          prevT = cp.at + AT_TOLERANCE + 0.01;
          player.play().catch(() => {});
        },
        onClose() {
          overlay = null;
          prevT = cp.at + AT_TOLERANCE + 0.01; // shown again when play is pressed here
        },
      });
    }

    /** Playback went from prevT to t: a checkpoint reached? */
    function check(t) {
      if (overlay || !Number.isFinite(t)) return;
      const cp = plan.reached(prevT, t);
      prevT = t;
      if (cp) show(cp);
    }

    // checked every frame while playing (stops within a frame of the checkpoint), and on timeupdate
    // (frames do not run in a hidden tab)
    let raf = 0;
    const frame = () => {
      raf = 0;
      if (video.paused) return;
      check(video.currentTime);
      raf = requestAnimationFrame(frame);
    };

    player.on('play', ({ currentTime }) => {
      if (overlay) { player.pause(); return; } // the overlay is modal
      prevT = Math.min(prevT, currentTime);
      if (session) session.play(currentTime);
      const cp = plan.at(currentTime);
      if (cp) { show(cp); return; }
      if (!raf) raf = requestAnimationFrame(frame);
    });
    player.on('pause', ({ currentTime }) => {
      if (session) session.pause(currentTime);
    });
    player.on('ended', ({ currentTime }) => {
      if (session) session.ended(currentTime);
      const cp = plan.at(currentTime);
      if (cp) show(cp);
      if (queue) queue.flush();
      onChange();
    });
    player.on('timeupdate', ({ currentTime }) => {
      if (session) session.time(currentTime);
      if (!video.paused) check(currentTime);
    });
    player.on('seeking', () => {
      if (session) session.seeking();
    });
    player.on('seeked', ({ from, to }) => {
      if (session) session.seeked(from, to);
      prevT = to;
      // a seek the guard did not see (the iPhone's own controls) past a checkpoint: back to it
      const skipped = plan.passedOver(to);
      if (skipped) {
        guard.permit(skipped.at);
        player.seek(skipped.at);
        show(skipped);
        return;
      }
      const cp = plan.at(to);
      if (cp && cp.required) show(cp);
    });
    player.on('ratechange', ({ rate, currentTime }) => {
      if (session) session.rate(rate, currentTime);
    });

    // resumed at a checkpoint (or where the unlocked part ends): ask it now
    const atStart = plan.at(prevT);
    if (atStart && atStart.required) show(atStart);

    // ---------------------------------------------------------------- refresh
    let timer = 0;
    let dueAt = 0;
    function schedule() {
      clearTimeout(timer);
      const ms = refreshDelay(pb);
      dueAt = Date.now() + ms;
      timer = setTimeout(() => { refresh(); }, ms);
    }

    /** Read the playback again and apply it (URLs, unlocked part, checkpoints, policy, watched). */
    async function refresh() {
      if (refreshing) return refreshing;
      const run = (async () => {
        try {
          const next = await api(path);
          const before = playbackVideo(pb, lesson.title);
          const after = playbackVideo(next, lesson.title);
          const change = sourceChange(before, after);
          pb = next;
          completed = completed || !!next.completed;
          policy = policyOf(next);
          guard.setNavigation(policy.navigation);
          host.dataset.navigation = policy.navigation;
          player.setMaxSpeed(policy.maxSpeed);
          plan.update(next.checkpoints);
          player.setMarkers(plan.markers());
          furthestServer = Math.max(furthestServer, Number(next.furthest) || 0);
          if (session && Array.isArray(next.watched)) session.merge(next.watched);
          if (change.urls || change.grew) await player.updateSource(after);
        } catch (err) {
          if (err instanceof ApiError && err.status === 401) { onUnauthorized(err); return; }
          console.warn('lectern: could not refresh the playback (trying again later)', err);
        } finally {
          refreshing = null;
          schedule();
        }
      })();
      refreshing = run;
      return run;
    }
    schedule();
    // timers sleep in a hidden tab: catch up when it is shown again
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible' && Date.now() >= dueAt) refresh();
    });
  }

  return {
    player,
    legacy: () => legacy,
    completed: () => completed,
    /** What the lesson still asks, in words ([] when complete or unknown). */
    missing() {
      if (legacy || !pb) return [];
      const policy = policyOf(pb);
      const x = window.lecternXapi;
      const progress = x && typeof x.progress === 'function' ? x.progress() : coverage(pb);
      return missingForCompletion({
        completed, progress, threshold: policy.threshold, checkpoints: (plan || createCheckpointPlan(pb.checkpoints)).list(), masteryScore: policy.masteryScore,
      });
    },
  };
}

/** Coverage of the server's watched segments. */
function coverage(pb) {
  const d = Number(pb.duration) || 0;
  if (!d) return 0;
  const covered = (pb.watched || []).reduce((s, [a, b]) => s + Math.max(0, Math.min(b, d) - Math.max(a, 0)), 0);
  return Math.min(1, covered / d);
}
