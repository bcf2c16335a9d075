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
import { speedItems, stepSpeed } from './player/speed.js';
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
 * @param {(id:string)=>Promise<object>} [opts.load] how to fetch the video object (default GET /api/v1/videos/{id})
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
  };
  const switches = [];
  const errors = [];

  const td = createTeardown();
  const listen = td.listen;
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
    el, video, listen, duration, thumbnails, seek: seekTo, released: () => autohide.scheduleHide(),
  });
  const autohide = createAutohide({
    el, video, listen, busy: () => menus.isOpen() || seekbar.dragging(), menuOpen: () => menus.isOpen(),
  });
  td.add(autohide.stop);
  td.add(osd.stop);

  function duration() {
    const d = video.duration;
    if (Number.isFinite(d) && d > 0) return d;
    return (state.meta && state.meta.duration) || 0;
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
    applyPreferences();

    const { kind, url } = pickStream(video, (params.get('format') || '').toLowerCase(), v);
    if (!url) {
      fail('No playable stream', `This video has no ${kind === 'dash' ? 'DASH' : 'HLS'} manifest.`);
      return;
    }
    if (autoplay) { video.muted = true; video.autoplay = true; }

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
    let eng;
    try {
      eng = await createEngine(kind, video, { hls: v.hls, dash: v.dash }, hooks, { abrTest: params.get('abr') === 'test', autoplay });
    } catch (err) {
      hooks.onError(err && err.message ? err.message : String(err));
      return;
    }
    if (td.done) { eng.destroy(); return; }
    state.eng = eng;
    td.add(() => eng.destroy());
    td.add(publishDebugSurface(window, eng, video, switches, errors));

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
    if (saved.speed !== null) setSpeed(saved.speed, false);
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
    const to = seekPath.seek(t);
    if (to !== null) seekbar.render();
    return to;
  }

  function seekBy(delta) {
    // no "+5 s" when the guard refused the seek
    if (seekTo(video.currentTime + delta) !== null || !duration()) osd.show(`${delta > 0 ? '+' : '−'}${Math.abs(delta)} s`);
  }

  function setSpeed(rate, announce = true) {
    video.defaultPlaybackRate = rate; // survives the media element's load algorithm
    video.playbackRate = rate;
    savePref('speed', rate);
    if (announce) osd.show(`${rate}×`);
    renderSpeedMenu();
  }

  // ---------------------------------------------------------------- menus
  function renderSpeedMenu() {
    const rate = video.playbackRate;
    el.btnSpeed.textContent = `${rate}×`;
    el.btnSpeed.setAttribute('aria-label', `Playback speed: ${rate}×`);
    menus.render(el.menuSpeed, speedItems(rate), (s) => setSpeed(s));
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
  listen(video, 'play', () => { syncPlayState(); events.emit('play', at()); });
  listen(video, 'pause', () => { syncPlayState(); events.emit('pause', at()); });
  listen(video, 'ended', () => { syncPlayState(); events.emit('ended', at()); });
  listen(video, 'playing', () => { el.player.dataset.waiting = 'false'; syncPlayState(); });
  listen(video, 'waiting', () => { el.player.dataset.waiting = 'true'; });
  listen(video, 'seeking', () => {
    if (!video.paused) el.player.dataset.waiting = 'true';
    events.emit('seeking', seekPath.seeking(video.currentTime));
  });
  listen(video, 'seeked', () => {
    el.player.dataset.waiting = 'false';
    seekbar.render();
    events.emit('seeked', seekPath.seeked(video.currentTime));
  });
  listen(video, 'canplay', () => { el.player.dataset.waiting = 'false'; });
  listen(video, 'timeupdate', () => {
    if (!rafId) seekbar.render();
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
  listen(video, 'ratechange', renderSpeedMenu);
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
        case 'speed': setSpeed(stepSpeed(video.playbackRate, a.dir)); break;
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
    destroy,
  };
}
