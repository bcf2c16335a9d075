// The Lectern video player: mountPlayer wires the parts in ./player/ (status,
// engines, controls, menus, seek bar, keyboard, the window.lecternPlayer test
// surface) into one player and returns its handle (events, playback, seek
// guard). Used by the watch page (/watch/<id>) and the lesson page
// (/learn/<course>/<lesson>); one player per document (it owns document-level
// keyboard shortcuts and element ids).
import { api } from './api.js';
import { createEngine } from './engines.js';
import { formatTime } from './format.js';
import { PLAYER_HTML, playerElements } from './player/markup.js';
import { createEmitter, PLAYER_EVENTS } from './player/events.js';
import { createSeekPath } from './player/seek.js';
import { createTeardown } from './player/teardown.js';
import { createStatus } from './player/status.js';
import { waitUntilReady } from './player/loading.js';
import { pickStream, ENGINE_NAMES } from './player/stream.js';
import { publishDebugSurface, levelInfo } from './player/debug_surface.js';
import { savePref, savedPlayback } from './player/prefs.js';
import { speedItems, stepSpeed, capSpeed } from './player/speed.js';
import { createUrlRewriter, gatedGroups, variantUrls } from './player/mediaurls.js';
import { qualityView, qualityNote } from './player/quality.js';
import { createMenus } from './player/menus.js';
import { createAutohide } from './player/autohide.js';
import { createSeekbar } from './player/seekbar.js';
import { createThumbnails } from './player/thumbnails.js';
import { createOsd } from './player/osd.js';
import { createVolume } from './player/volume.js';
import { createFullscreen } from './player/fullscreen.js';
import { bindKeyboard } from './player/keyboard.js';

export { PLAYER_HTML, PLAYER_EVENTS };

/** What the player says when a seek into the locked part of a lesson's video is refused. */
export const LOCKED_NOTE = 'Locked: answer the checkpoint to go on';

export function videoIdFromPath(pathname) {
  const m = /\/watch\/([^/?#]+)/.exec(pathname);
  return m ? decodeURIComponent(m[1]) : '';
}

/**
 * Mount the player into host (the <div class="player" id="player"> element) and
 * start loading the video.
 * @param {HTMLElement} host
 * @param {object} opts
 * @param {string} opts.videoId
 * @param {URLSearchParams} [opts.params]   format / autoplay / abr overrides (default: the page's query)
 * @param {(id:string)=>Promise<object>} [opts.load] how to fetch the video object (default GET /api/v1/videos/{id});
 *   a lesson's object also has unlocked_until: duration is then the whole video, the media ends at
 *   unlocked_until, the seek bar shows the rest locked and seeks there are refused
 * @param {number|(()=>number)} [opts.startAt]  start playing from here (seconds; a lesson's resume position;
 *   a function is asked once the video object is loaded)
 * @param {number} [opts.maxSpeed] the fastest playback rate allowed (default: no cap)
 * @param {HTMLElement} [opts.title]       element that gets the video's title
 * @param {HTMLElement} [opts.subtitle]    element that gets duration · engine · rendition
 * @param {boolean} [opts.documentTitle]   also set document.title (default true)
 * @param {(err:ApiError)=>void} [opts.onUnauthorized] the API answered 401 (signed out)
 * @returns {object} the player handle (events, playback, seek guard; see player/README.md)
 */
export function mountPlayer(host, opts = {}) {
  const injected = !host.querySelector('video');
  if (injected) host.innerHTML = PLAYER_HTML;

  const el = playerElements(document, opts);
  const video = el.video;
  const params = opts.params || new URLSearchParams(location.search);
  const autoplay = params.get('autoplay') === '1';
  const reload = { label: 'Reload', run: () => location.reload() };

  const state = {
    meta: null,     // the API's video object
    eng: null,      // engine adapter
    levels: [],
    playing: null,  // level currently played
    started: false, // has played (autoplay's forced mute is not saved before)
    ready: false,   // engine attached, controls shown
    announced: false, // 'ready' emitted
    kind: '',       // engine kind picked at start
    unlockedUntil: null, // a lesson's media ends here (null: a whole video)
    maxSpeed: opts.maxSpeed > 0 ? opts.maxSpeed : Infinity,
    quiet: null,    // a position the player seeks to itself (resume, engine swap): not reported as a seek
    swapping: false, // the engine is being re-created: media events are not reported
    unpublish: null, // removes window.lecternPlayer
  };
  const swaps = [];
  const rewriter = createUrlRewriter();
  const switches = [];
  const errors = [];

  const td = createTeardown();
  const listen = td.listen;
  td.add(() => {
    if (state.unpublish) state.unpublish();
    if (state.eng) state.eng.destroy();
  });
  const events = createEmitter({ events: PLAYER_EVENTS, latched: ['ready'] });
  const seekPath = createSeekPath({
    position: () => video.currentTime,
    duration,
    apply: (t) => { video.currentTime = t; },
  });
  const status = createStatus(el);
  const osd = createOsd(el.osd);
  const volume = createVolume(el, video);
  const fullscreen = createFullscreen(el, video);
  const thumbnails = createThumbnails();
  const menus = createMenus({
    doc: document,
    listen,
    refresh: (ul) => { if (ul === el.menuQuality) renderQualityMenu(); },
    onOpen: () => autohide.show(),
    onClose: () => autohide.scheduleHide(),
  });
  const seekbar = createSeekbar({
    el, video, listen, duration, thumbnails, seek: seekTo, released: () => autohide.scheduleHide(), locked: lockedFrom,
  });
  const autohide = createAutohide({
    el, video, listen, busy: () => menus.isOpen() || seekbar.dragging(), menuOpen: () => menus.isOpen(),
  });
  td.add(autohide.stop);
  td.add(osd.stop);

  function duration() {
    // a lesson: the whole video (the media element knows only its unlocked part)
    if (state.unlockedUntil !== null && state.meta && state.meta.duration > 0) return state.meta.duration;
    const d = video.duration;
    if (Number.isFinite(d) && d > 0) return d;
    return (state.meta && state.meta.duration) || 0;
  }

  /** Where the locked tail of a lesson's video starts, or null when nothing is locked. */
  function lockedFrom() {
    const d = duration();
    return state.unlockedUntil !== null && d && state.unlockedUntil < d - 0.05 ? state.unlockedUntil : null;
  }

  /** Media events are not reported while the player positions the media itself. */
  function quiet() {
    return state.swapping || (state.quiet !== null && Math.abs(video.currentTime - state.quiet) < 1);
  }
  function report(name, payload) {
    if (!state.swapping) events.emit(name, payload);
  }

  /** The player gives up: error overlay + 'error' event. */
  function fail(title, detail = '', action = null) {
    if (td.done) return;
    status.show('error', title, detail, null, action);
    events.emit('error', { title, message: detail || title });
  }

  // ---------------------------------------------------------------- boot
  async function main() {
    const id = opts.videoId || '';
    if (!id) {
      fail('No video selected', 'The address should look like /watch/<video id>.');
      return;
    }
    const v = await waitUntilReady(id, {
      load: opts.load || ((vid) => api(`/api/v1/videos/${encodeURIComponent(vid)}`)),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      show: status.show,
      fail,
      onVideo: (meta) => { state.meta = meta; setTitle(meta); },
      onUnauthorized: opts.onUnauthorized || null,
      stopped: () => td.done,
    });
    if (v) await start(v);
  }

  function setTitle(v) {
    const t = v.title || 'Untitled video';
    if (el.title) el.title.textContent = t;
    if (opts.documentTitle !== false) document.title = `${t} · Lectern`;
    updateSubtitle();
  }

  function updateSubtitle() {
    if (!state.meta) return;
    const parts = [];
    const d = duration();
    if (d) parts.push(formatTime(d));
    if (state.eng) parts.push(ENGINE_NAMES[state.eng.engine]);
    if (state.playing && state.playing.height) parts.push(`${state.playing.height}p`);
    if (el.subtitle) el.subtitle.textContent = parts.join(' · ');
  }

  async function start(v) {
    status.show('loading', 'Loading…');
    status.hide();
    if (v.poster) video.poster = v.poster;
    if (Number.isFinite(v.unlocked_until)) state.unlockedUntil = v.unlocked_until;
    applyPreferences();

    const { kind, url } = pickStream(video, (params.get('format') || '').toLowerCase(), v);
    state.kind = kind;
    if (!url) {
      fail('No playable stream', `This video has no ${kind === 'dash' ? 'DASH' : 'HLS'} manifest.`);
      return;
    }
    if (autoplay) { video.muted = true; video.autoplay = true; }

    const wanted = Number(typeof opts.startAt === 'function' ? opts.startAt() : opts.startAt);
    const startAt = wanted > 0 ? wanted : 0;
    if (startAt) state.quiet = startAt;
    let eng;
    try {
      eng = await createEngine(kind, video, { hls: v.hls, dash: v.dash }, hooks, engineOpts({ autoplay, startAt }));
    } catch (err) {
      hooks.onError(err && err.message ? err.message : String(err));
      return;
    }
    if (td.done) { eng.destroy(); return; }
    attach(eng);

    el.player.dataset.state = 'ready';
    el.controls.hidden = false;
    el.bigplay.hidden = autoplay;
    updateSubtitle();
    renderSpeedMenu();
    renderQualityMenu();
    if (autoplay) video.play().catch(() => { el.bigplay.hidden = false; });
    if (v.thumbnails) thumbnails.load(v.thumbnails);
    autohide.show();
    state.ready = true;
    announceReady();
  }

  function engineOpts(extra) {
    return {
      abrTest: params.get('abr') === 'test',
      rewrite: (u) => rewriter.rewrite(u),
      learn: (text) => rewriter.learnText(text),
      ...extra,
    };
  }

  /** The engine adapter now playing; window.lecternPlayer follows it. */
  function attach(eng) {
    state.eng = eng;
    if (state.unpublish) state.unpublish();
    state.unpublish = publishDebugSurface(window, eng, video, switches, errors, {
      timeline: () => ({ duration: duration(), unlockedUntil: lockedFrom() }),
      maxSpeed: () => (Number.isFinite(state.maxSpeed) ? state.maxSpeed : null),
      swaps,
      source: () => ({ hls: state.meta && state.meta.hls, dash: state.meta && state.meta.dash }),
    });
  }

  const hooks = {
    onLevels(levels) { state.levels = levels; renderQualityMenu(); },
    onSwitch(level) {
      state.playing = level;
      switches.push({ t: Math.round(performance.now()), position: video.currentTime, index: level.index, height: level.height, bitrate: level.bitrate });
      renderQualityMenu();
      updateSubtitle();
      // engines start on automatic, so before the adapter is back from createEngine this is ABR's pick
      events.emit('qualitychange', { ...levelInfo(level), auto: state.eng ? state.eng.isAuto() : true });
    },
    onError(message) {
      errors.push({ t: Math.round(performance.now()), message });
      fail('Playback failed', message, reload);
    },
  };

  // ---------------------------------------------------------------- new sources (a lesson's refreshed playback)
  /**
   * A refreshed video object (new URLs, more unlocked). New credentials alone: the engines'
   * requests are rewritten (nothing reloads; the new segment credentials are read from one
   * fresh playlist or MPD). More media unlocked, native HLS, or opts.reload: the engine is
   * re-created at the current time (a short rebuffer), paused or playing as it was.
   */
  async function updateSource(v, { reload: force = false } = {}) {
    if (td.done || !state.meta) return;
    const prev = state.meta;
    for (const k of ['hls', 'dash', 'thumbnails']) if (prev[k] && v[k]) rewriter.learnUrls(prev[k], v[k]);
    const grew = Number.isFinite(v.unlocked_until) && state.unlockedUntil !== null && v.unlocked_until > state.unlockedUntil + 0.001;
    const changed = (prev.hls || '') !== (v.hls || '') || (prev.dash || '') !== (v.dash || '');
    state.meta = { ...prev, ...v };
    if (!state.eng) return;
    if (force || grew || (changed && state.eng.engine === 'native')) {
      await swapEngine(grew ? 'unlocked' : force ? 'reload' : 'native-urls');
    } else if (changed) {
      await learnCredentials(state.meta);
    }
    // after the swap: until the new media is in, the seek bar keeps the old lock
    if (Number.isFinite(v.unlocked_until) && state.unlockedUntil !== null) state.unlockedUntil = v.unlocked_until;
    seekbar.render();
    updateSubtitle();
  }

  /** Read the new segment credentials (/g/…) from the new manifest: an MPD, or one media playlist. */
  async function learnCredentials(v) {
    const get = async (u) => {
      const res = await fetch(u, { credentials: 'same-origin', cache: 'no-store' });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.text();
    };
    try {
      if (state.eng.engine === 'dash' && v.dash) {
        rewriter.learnText(await get(v.dash));
      } else if (v.hls) {
        const master = await get(v.hls);
        rewriter.learnText(master);
        if (!gatedGroups(master).length) {
          const [first] = variantUrls(master, v.hls);
          if (first) rewriter.learnText(await get(first));
        }
      }
    } catch (err) {
      console.warn('lectern: could not read the refreshed manifest (the next refresh tries again)', err);
    }
  }

  /** Re-create the engine at the current time: the manifests are read again. */
  async function swapEngine(reason) {
    const at = video.currentTime;
    const wasPaused = video.paused || video.ended;
    const rate = video.playbackRate;
    swaps.push({ t: Math.round(performance.now()), at, reason });
    state.swapping = true;
    const old = state.eng;
    state.eng = null;
    state.levels = [];
    state.playing = null;
    old.destroy();
    const v = state.meta;
    const kind = state.kind === 'native' || old.engine === 'native' ? 'native' : old.engine;
    let eng;
    try {
      eng = await createEngine(kind, video, { hls: v.hls, dash: v.dash }, hooks, engineOpts({ startAt: at, autoplay: false }));
    } catch (err) {
      state.swapping = false;
      hooks.onError(err && err.message ? err.message : String(err));
      return;
    }
    if (td.done) { eng.destroy(); return; }
    attach(eng);
    video.defaultPlaybackRate = rate;
    video.playbackRate = rate;
    await positioned(at);
    state.swapping = false;
    renderQualityMenu();
    if (!wasPaused) video.play().catch(() => { el.bigplay.hidden = false; });
  }

  /** Resolves once the new media can play at t (or after 15 s). */
  function positioned(t) {
    return new Promise((resolve) => {
      const names = ['canplay', 'seeked', 'loadeddata'];
      let timer = 0;
      const done = () => {
        clearTimeout(timer);
        for (const n of names) video.removeEventListener(n, check);
        resolve();
      };
      const check = () => {
        if (video.readyState >= 2 && !video.seeking && Math.abs(video.currentTime - t) < 1) done();
      };
      for (const n of names) video.addEventListener(n, check);
      timer = setTimeout(done, 15000);
      check();
    });
  }

  /** 'ready' once: the engine is attached and the duration is known. */
  function announceReady() {
    if (!state.ready || state.announced || el.player.dataset.state !== 'ready' || !duration()) return;
    state.announced = true;
    events.emit('ready', { duration: duration(), engine: state.eng.engine });
  }

  function applyPreferences() {
    const saved = savedPlayback(autoplay);
    if (saved.volume !== null) video.volume = saved.volume;
    if (saved.muted) video.muted = true;
    if (saved.speed !== null) setSpeed(saved.speed, false, false);
    volume.sync();
  }

  // ---------------------------------------------------------------- playback
  function togglePlay() {
    if (video.paused || video.ended) {
      const p = video.play();
      if (p && p.catch) p.catch((err) => { if (err.name !== 'AbortError') osd.show('Press play to start'); });
    } else {
      video.pause();
    }
  }

  /** Every seek goes through here (and so through the seek guard) → the time sought to, or null. */
  function seekTo(t) {
    const lim = lockedFrom();
    if (lim !== null && Number.isFinite(t) && t > lim + 0.05) {
      osd.show(LOCKED_NOTE);
      return null;
    }
    const to = seekPath.seek(t);
    if (to !== null) seekbar.render();
    return to;
  }

  function seekBy(delta) {
    // no "+5 s" when the guard refused the seek
    if (seekTo(video.currentTime + delta) !== null || !duration()) osd.show(`${delta > 0 ? '+' : '−'}${Math.abs(delta)} s`);
  }

  function setSpeed(wanted, announce = true, save = true) {
    const rate = capSpeed(wanted, state.maxSpeed);
    video.defaultPlaybackRate = rate; // survives the media element's load algorithm
    video.playbackRate = rate;
    if (save) savePref('speed', rate);
    if (announce) osd.show(`${rate}×`);
    renderSpeedMenu();
  }

  // ---------------------------------------------------------------- menus
  function renderSpeedMenu() {
    const rate = video.playbackRate;
    el.btnSpeed.textContent = `${rate}×`;
    el.btnSpeed.setAttribute('aria-label', `Playback speed: ${rate}×`);
    menus.render(el.menuSpeed, speedItems(rate, state.maxSpeed), (s) => setSpeed(s));
  }

  function renderQualityMenu() {
    const eng = state.eng;
    const levels = state.levels.length ? state.levels : (eng ? eng.levels() : []);
    el.qualityWrap.hidden = !eng || levels.length < 2;
    if (el.qualityWrap.hidden) return;
    const view = qualityView(levels, eng.isAuto(), state.playing || eng.currentLevel());
    el.qualityLabel.textContent = view.label;
    el.btnQuality.setAttribute('aria-label', view.ariaLabel);
    if (menus.isOpen(el.menuQuality)) return; // don't rebuild under the user's pointer
    menus.render(el.menuQuality, view.items, (i) => {
      eng.setLevel(i);
      osd.show(qualityNote(levels, i));
      renderQualityMenu();
    });
  }

  menus.attach(el.btnSpeed, el.menuSpeed);
  menus.attach(el.btnQuality, el.menuQuality);

  // ---------------------------------------------------------------- play state
  let rafId = 0;
  function tick() {
    seekbar.render();
    rafId = video.paused ? 0 : requestAnimationFrame(tick);
  }
  td.add(() => cancelAnimationFrame(rafId));

  function syncPlayState() {
    const paused = video.paused || video.ended;
    el.player.dataset.paused = String(paused);
    el.btnPlay.setAttribute('aria-label', paused ? 'Play (k)' : 'Pause (k)');
    if (!paused) {
      state.started = true;
      el.bigplay.hidden = true;
      if (!rafId) rafId = requestAnimationFrame(tick);
      autohide.scheduleHide();
    } else {
      if (video.ended) el.bigplay.hidden = false;
      autohide.show();
    }
  }

  // ---------------------------------------------------------------- buttons, pointer on the video
  listen(el.bigplay, 'click', () => { togglePlay(); el.btnPlay.focus({ preventScroll: true }); });
  listen(el.btnPlay, 'click', togglePlay);
  listen(el.btnMute, 'click', volume.toggleMute);
  listen(el.btnFullscreen, 'click', fullscreen.toggle);
  listen(el.volume, 'input', () => volume.set(parseFloat(el.volume.value)));

  listen(video, 'click', (e) => {
    if (el.player.dataset.state !== 'ready') return;
    if (e.pointerType === 'touch' && el.player.dataset.controls === 'hidden') { autohide.show(); return; }
    togglePlay();
  });
  listen(video, 'dblclick', () => { if (el.player.dataset.state === 'ready') fullscreen.toggle(); });

  // ---------------------------------------------------------------- media events
  const at = () => ({ currentTime: video.currentTime });
  listen(video, 'play', () => { syncPlayState(); report('play', at()); });
  listen(video, 'pause', () => { syncPlayState(); report('pause', at()); });
  listen(video, 'ended', () => { syncPlayState(); report('ended', at()); });
  listen(video, 'playing', () => { el.player.dataset.waiting = 'false'; if (!state.swapping) state.quiet = null; syncPlayState(); });
  listen(video, 'waiting', () => { el.player.dataset.waiting = 'true'; });
  listen(video, 'seeking', () => {
    if (!video.paused) el.player.dataset.waiting = 'true';
    const fromTo = seekPath.seeking(video.currentTime);
    if (!quiet()) events.emit('seeking', fromTo);
  });
  listen(video, 'seeked', () => {
    el.player.dataset.waiting = 'false';
    seekbar.render();
    const fromTo = seekPath.seeked(video.currentTime);
    if (quiet()) { if (!state.swapping) state.quiet = null; return; }
    events.emit('seeked', fromTo);
  });
  listen(video, 'canplay', () => { el.player.dataset.waiting = 'false'; });
  listen(video, 'timeupdate', () => {
    if (!rafId) seekbar.render();
    if (state.swapping) return;
    if (!video.seeking) seekPath.time(video.currentTime);
    events.emit('timeupdate', { currentTime: video.currentTime, duration: duration() });
  });
  listen(video, 'progress', seekbar.render);
  listen(video, 'durationchange', () => { seekbar.render(); updateSubtitle(); announceReady(); });
  listen(video, 'loadedmetadata', () => { seekbar.render(); updateSubtitle(); announceReady(); });
  listen(video, 'volumechange', () => {
    volume.sync();
    savePref('volume', video.volume);
    if (!(autoplay && !state.started)) savePref('muted', video.muted);
  });
  listen(video, 'ratechange', () => {
    // a rate above the lesson's cap set from outside the menu (devtools, an extension) is undone
    if (video.playbackRate > state.maxSpeed + 1e-9) { video.playbackRate = state.maxSpeed; return; }
    if (video.defaultPlaybackRate > state.maxSpeed + 1e-9) video.defaultPlaybackRate = state.maxSpeed;
    renderSpeedMenu();
    report('ratechange', { rate: video.playbackRate, currentTime: video.currentTime });
  });
  listen(document, 'fullscreenchange', fullscreen.sync);
  listen(document, 'webkitfullscreenchange', fullscreen.sync);
  if (!fullscreen.supported()) el.btnFullscreen.hidden = true;
  fullscreen.sync();

  // ---------------------------------------------------------------- keyboard
  bindKeyboard({
    doc: document,
    el,
    listen,
    menuKeys: menus.keys,
    duration,
    handled: autohide.show,
    run(a) {
      switch (a.type) {
        case 'toggle': togglePlay(); break;
        case 'seekBy': seekBy(a.delta); break;
        case 'seekTo': seekTo(a.t); if (a.note) osd.show(formatTime(video.currentTime)); break;
        case 'volume': osd.show(volume.step(a.dir)); break;
        case 'mute': volume.toggleMute(); osd.show(volume.muteNote()); break;
        case 'fullscreen': fullscreen.toggle(); break;
        case 'speed': setSpeed(stepSpeed(video.playbackRate, a.dir, state.maxSpeed)); break;
        default: break;
      }
    },
  });

  main().catch((err) => {
    console.error(err);
    errors.push({ t: Math.round(performance.now()), message: String(err && err.message || err) });
    fail('Something went wrong', String(err && err.message || err), reload);
  });

  function destroy() {
    if (td.done) return;
    video.pause();
    td.run(); // listeners, timers, the engine, window.lecternPlayer
    events.clear();
    if (injected) host.textContent = '';
  }

  return {
    video,
    /** #checkpoints: the layer above the video for overlays (pointer events pass through it, not its children). */
    layer: el.checkpoints,
    on: events.on,
    off: events.off,
    currentTime: () => video.currentTime,
    duration,
    paused: () => video.paused,
    /** The rendition on screen {index, height, bitrate}, or null. */
    quality: () => levelInfo(state.playing || (state.eng && state.eng.currentLevel())),
    play: () => Promise.resolve(video.play()),
    pause: () => video.pause(),
    /** Seek through the seek guard → the time sought to, or null (no duration yet, or refused). */
    seek: (t) => seekTo(t),
    setSeekGuard: (fn) => seekPath.setGuard(fn),
    /** {duration, unlockedUntil}: the whole video, and where its locked tail starts (null: none). */
    timeline: () => ({ duration: duration(), unlockedUntil: lockedFrom() }),
    /** Cap the playback rate (menu items, > key, and rates set from outside); 0 or Infinity: no cap. */
    setMaxSpeed(max) {
      state.maxSpeed = max > 0 ? max : Infinity;
      if (video.playbackRate > state.maxSpeed) setSpeed(state.maxSpeed, false, false);
      renderSpeedMenu();
    },
    /** Checkpoint markers on the seek bar: [{at, done, required, title}]. */
    setMarkers: (list) => seekbar.setMarkers(list),
    /** A refreshed video object (see updateSource); → a promise, settled once the player uses it. */
    updateSource: (v, o) => updateSource(v, o),
    /** A short on-screen note ("Seeking is turned off"). */
    note: (text) => osd.show(text),
    destroy,
  };
}
