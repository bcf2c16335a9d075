// The Lectern video player: status/polling, hls.js / dash.js / native HLS
// behind one set of custom controls, keyboard, thumbnails, quality + speed
// menus and the window.lecternPlayer test surface. Used by the watch page
// (/watch/<id>) and the lesson page (/learn/<course>/<lesson>); one player per
// document (it owns document-level keyboard shortcuts and element ids).
import { api, ApiError } from './api.js';
import { chooseEngine, createEngine } from './engines.js';
import { parseThumbnailsVtt, cueAt } from './vtt.js';
import { formatTime, spokenTime, levelLabel, levelShort } from './format.js';

/** Markup inside <div class="player" id="player">, injected by mountPlayer when the host is empty. */
export const PLAYER_HTML = `<video id="video" playsinline preload="metadata"></video>

<!-- Interactive checkpoints (questions pinned to the timeline) render here. -->
<div id="checkpoints" class="checkpoints"></div>

<div class="spinner" aria-hidden="true"></div>

<div class="status" id="status" role="status" aria-live="polite" hidden>
  <div class="status-card">
    <p class="status-title" id="status-title">Loading…</p>
    <p class="status-detail" id="status-detail"></p>
    <div class="status-progress" id="status-progress" hidden>
      <div class="status-progress-bar" id="status-progress-bar"></div>
    </div>
  </div>
</div>

<button type="button" class="bigplay" id="bigplay" aria-label="Play video" hidden>
  <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M8 5.14v13.72a1 1 0 0 0 1.5.86l11-6.86a1 1 0 0 0 0-1.72l-11-6.86A1 1 0 0 0 8 5.14Z"/></svg>
</button>

<div class="osd" id="osd" aria-hidden="true"></div>

<div class="controls" id="controls" hidden>
  <div class="seek" id="seek" role="slider" tabindex="0" aria-label="Seek"
       aria-valuemin="0" aria-valuemax="0" aria-valuenow="0" aria-valuetext="0 seconds">
    <div class="seek-track">
      <div class="seek-buffered" id="seek-buffered"></div>
      <div class="seek-hover" id="seek-hover"></div>
      <div class="seek-played" id="seek-played"></div>
    </div>
    <div class="seek-knob" id="seek-knob"></div>
    <div class="preview" id="preview" aria-hidden="true">
      <div class="preview-img" id="preview-img"></div>
      <span class="preview-time" id="preview-time">0:00</span>
    </div>
  </div>

  <div class="bar">
    <button type="button" class="btn" id="btn-play" aria-label="Play (k)">
      <svg class="i-play" viewBox="0 0 24 24" aria-hidden="true"><path d="M8 5.14v13.72a1 1 0 0 0 1.5.86l11-6.86a1 1 0 0 0 0-1.72l-11-6.86A1 1 0 0 0 8 5.14Z"/></svg>
      <svg class="i-pause" viewBox="0 0 24 24" aria-hidden="true"><rect x="6" y="5" width="4" height="14" rx="1"/><rect x="14" y="5" width="4" height="14" rx="1"/></svg>
    </button>

    <div class="volume">
      <button type="button" class="btn" id="btn-mute" aria-label="Mute (m)">
        <svg class="i-vol" viewBox="0 0 24 24" aria-hidden="true"><path d="M4 9v6h4l5 4V5L8 9H4Z"/><path class="wave1" d="M16 8.5a4.5 4.5 0 0 1 0 7" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/><path class="wave2" d="M18.5 5.5a8.5 8.5 0 0 1 0 13" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>
        <svg class="i-muted" viewBox="0 0 24 24" aria-hidden="true"><path d="M4 9v6h4l5 4V5L8 9H4Z"/><path d="m16 9 6 6m0-6-6 6" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>
      </button>
      <input type="range" class="volume-range" id="volume" min="0" max="1" step="0.05" value="1" aria-label="Volume">
    </div>

    <div class="time" id="time" aria-live="off"><span id="time-current">0:00</span><span class="time-sep"> / </span><span id="time-duration">0:00</span></div>

    <div class="spacer"></div>

    <div class="menu-wrap">
      <button type="button" class="btn btn-text" id="btn-speed" aria-haspopup="menu" aria-expanded="false" aria-controls="menu-speed" aria-label="Playback speed: 1×">1×</button>
      <ul class="menu" id="menu-speed" role="menu" aria-label="Playback speed" hidden></ul>
    </div>

    <div class="menu-wrap" id="quality-wrap" hidden>
      <button type="button" class="btn btn-text" id="btn-quality" aria-haspopup="menu" aria-expanded="false" aria-controls="menu-quality" aria-label="Quality: Auto">
        <span id="quality-label">Auto</span>
      </button>
      <ul class="menu" id="menu-quality" role="menu" aria-label="Quality" hidden></ul>
    </div>

    <button type="button" class="btn" id="btn-fullscreen" aria-label="Full screen (f)">
      <svg class="i-fs" viewBox="0 0 24 24" aria-hidden="true"><path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>
      <svg class="i-fs-exit" viewBox="0 0 24 24" aria-hidden="true"><path d="M9 4v5H4M15 4v5h5M9 20v-5H4M15 20v-5h5" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>
    </button>
  </div>
</div>`;

function store(key, value) {
  try { localStorage.setItem(`lectern.player.${key}`, String(value)); } catch { /* private mode */ }
}
function load(key) {
  try { return localStorage.getItem(`lectern.player.${key}`); } catch { return null; }
}
function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }
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
 * @returns {{video: HTMLVideoElement}}
 */
export function mountPlayer(host, opts = {}) {
  if (!host.querySelector('video')) host.innerHTML = PLAYER_HTML;

  const $ = (id) => document.getElementById(id);
  const params = opts.params || new URLSearchParams(location.search);
  const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
  const POLL_MS = 2000;
  const HIDE_AFTER_MS = 2500;

  const el = {
    player: $('player'), video: $('video'), status: $('status'), statusTitle: $('status-title'),
    statusDetail: $('status-detail'), statusProgress: $('status-progress'), statusBar: $('status-progress-bar'),
    bigplay: $('bigplay'), controls: $('controls'), osd: $('osd'),
    seek: $('seek'), seekBuffered: $('seek-buffered'), seekPlayed: $('seek-played'), seekHover: $('seek-hover'),
    seekKnob: $('seek-knob'), preview: $('preview'), previewImg: $('preview-img'), previewTime: $('preview-time'),
    btnPlay: $('btn-play'), btnMute: $('btn-mute'), volume: $('volume'),
    timeCurrent: $('time-current'), timeDuration: $('time-duration'),
    btnSpeed: $('btn-speed'), menuSpeed: $('menu-speed'),
    qualityWrap: $('quality-wrap'), btnQuality: $('btn-quality'), qualityLabel: $('quality-label'), menuQuality: $('menu-quality'),
    btnFullscreen: $('btn-fullscreen'), title: opts.title || null, subtitle: opts.subtitle || null,
  };
  const video = el.video;

  const state = {
    meta: null,        // the API's video object
    eng: null,         // engine adapter
    levels: [],
    playing: null,     // level currently played
    started: false,
    dragging: false,
    scrubTime: null,
    thumbs: [],
    sprites: new Map(), // url -> HTMLImageElement
    hideTimer: 0,
    openMenu: null,
  };
  const switches = [];
  const errors = [];

  // ---------------------------------------------------------------- helpers


  function duration() {
    const d = video.duration;
    if (Number.isFinite(d) && d > 0) return d;
    return (state.meta && state.meta.duration) || 0;
  }

  let osdTimer = 0;
  function osd(text) {
    el.osd.textContent = text;
    el.osd.classList.add('show');
    clearTimeout(osdTimer);
    osdTimer = setTimeout(() => el.osd.classList.remove('show'), 900);
  }

  // ---------------------------------------------------------------- status overlay
  function showStatus(kind, title, detail = '', progress = null, action = null) {
    el.player.dataset.state = kind;
    el.status.hidden = false;
    el.statusTitle.textContent = title;
    el.statusDetail.textContent = detail;
    el.statusProgress.hidden = progress === null;
    if (progress !== null) el.statusBar.style.width = `${clamp(progress, 0, 100)}%`;
    const old = el.status.querySelector('.status-action');
    if (old) old.remove();
    if (action) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'btn btn-text status-action';
      b.textContent = action.label;
      b.addEventListener('click', action.run);
      el.status.querySelector('.status-card').appendChild(b);
    }
    el.controls.hidden = true;
    el.bigplay.hidden = true;
  }

  function hideStatus() {
    el.status.hidden = true;
  }

  function describe(v) {
    const job = v.job || {};
    const pct = Number.isFinite(job.progress) ? Math.round(job.progress) : null;
    switch (v.status) {
      case 'uploading': return ['processing', 'Upload in progress', 'The video will be processed as soon as the upload finishes.', null];
      case 'queued': return ['processing', 'Waiting to be processed…', 'This page updates by itself.', 0];
      case 'processing': {
        const stage = job.stage && job.stage !== 'starting' ? ` (${job.stage})` : '';
        return ['processing', pct !== null ? `Processing… ${pct}%` : 'Processing…', `The video is being prepared for streaming${stage}. This page updates by itself.`, pct || 0];
      }
      case 'failed': return ['error', 'Processing failed', job.error || v.error || 'The video could not be processed.', null];
      case 'canceled': return ['error', 'Processing was canceled', job.error || v.error || '', null];
      default: return ['processing', `Status: ${v.status}`, '', null];
    }
  }

  // ---------------------------------------------------------------- boot
  async function main() {
    const id = opts.videoId || '';
    if (!id) {
      showStatus('error', 'No video selected', 'The address should look like /watch/<video id>.');
      return;
    }
    let netFailures = 0;
    for (;;) {
      let v;
      try {
        v = opts.load ? await opts.load(id) : await api(`/api/v1/videos/${encodeURIComponent(id)}`);
        netFailures = 0;
      } catch (err) {
        if (err instanceof ApiError && err.status === 401 && opts.onUnauthorized) {
          showStatus('error', 'Please sign in', err.message);
          opts.onUnauthorized(err);
          return;
        }
        if (err instanceof ApiError && err.status === 404) {
          showStatus('error', 'Video not found', err.message);
          return;
        }
        if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
          showStatus('error', 'This video cannot be shown', err.message);
          return;
        }
        netFailures++;
        showStatus(netFailures > 2 ? 'error' : 'loading', netFailures > 2 ? 'Cannot reach Lectern' : 'Loading…', netFailures > 2 ? `${err.message} Retrying…` : '');
        await sleep(Math.min(10000, POLL_MS * netFailures));
        continue;
      }
      state.meta = v;
      setTitle(v);
      if (v.status === 'ready') break;
      const [kind, title, detail, progress] = describe(v);
      showStatus(kind, title, detail, progress);
      if (v.status === 'failed' || v.status === 'canceled') return;
      await sleep(POLL_MS);
    }
    await start(state.meta);
  }

  function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

  function setTitle(v) {
    const t = v.title || 'Untitled video';
    if (el.title) el.title.textContent = t;
    if (opts.documentTitle !== false) document.title = `${t} · Lectern`;
    updateSubtitle();
  }

  function updateSubtitle() {
    const v = state.meta;
    if (!v) return;
    const parts = [];
    const d = duration();
    if (d) parts.push(formatTime(d));
    if (state.eng) parts.push({ hls: 'HLS · hls.js', dash: 'DASH · dash.js', native: 'HLS · native' }[state.eng.engine]);
    if (state.playing && state.playing.height) parts.push(`${state.playing.height}p`);
    if (el.subtitle) el.subtitle.textContent = parts.join(' · ');
  }

  async function start(v) {
    showStatus('loading', 'Loading…');
    el.status.hidden = true;
    const autoplay = params.get('autoplay') === '1';
    if (v.poster) video.poster = v.poster;
    applyPreferences(autoplay);

    const forced = (params.get('format') || '').toLowerCase();
    let kind = chooseEngine(video, forced);
    if (kind !== 'dash' && !v.hls && v.dash) kind = 'dash';
    if (kind === 'dash' && !v.dash && v.hls && forced !== 'dash') kind = chooseEngine(video, 'hls');
    const url = kind === 'dash' ? v.dash : v.hls;
    if (!url) {
      showStatus('error', 'No playable stream', `This video has no ${kind === 'dash' ? 'DASH' : 'HLS'} manifest.`);
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
      },
      onError(message) {
        errors.push({ t: Math.round(performance.now()), message });
        showStatus('error', 'Playback failed', message, null, { label: 'Reload', run: () => location.reload() });
      },
    };
    try {
      state.eng = await createEngine(kind, video, { hls: v.hls, dash: v.dash }, hooks, { abrTest: params.get('abr') === 'test', autoplay });
    } catch (err) {
      hooks.onError(err && err.message ? err.message : String(err));
      return;
    }
    const eng = state.eng;
    // Read-only debug/test surface (used by e2e/playback.test.js).
    window.lecternPlayer = Object.freeze({
      engine: eng.engine,
      video,
      levels: () => eng.levels().map(({ index, height, bitrate }) => ({ index, height, bitrate })),
      currentLevel: () => {
        const l = eng.currentLevel();
        return l ? { index: l.index, height: l.height, bitrate: l.bitrate } : null;
      },
      isAuto: () => eng.isAuto(),
      switches,
      errors,
    });

    el.player.dataset.state = 'ready';
    el.controls.hidden = false;
    el.bigplay.hidden = autoplay;
    updateSubtitle();
    renderSpeedMenu();
    renderQualityMenu();
    if (autoplay) video.play().catch(() => { el.bigplay.hidden = false; });
    if (v.thumbnails) loadThumbnails(v.thumbnails);
    showControls();
  }

  // ---------------------------------------------------------------- preferences
  function applyPreferences(autoplay) {
    const vol = parseFloat(load('volume'));
    if (Number.isFinite(vol)) video.volume = clamp(vol, 0, 1);
    if (!autoplay && load('muted') === 'true') video.muted = true;
    const speed = parseFloat(load('speed'));
    if (SPEEDS.includes(speed)) setSpeed(speed, false);
    syncVolume();
  }

  // ---------------------------------------------------------------- playback
  function togglePlay() {
    if (video.paused || video.ended) {
      const p = video.play();
      if (p && p.catch) p.catch((err) => { if (err.name !== 'AbortError') osd('Press play to start'); });
    } else {
      video.pause();
    }
  }

  function seekTo(t) {
    const d = duration();
    if (!d) return;
    video.currentTime = clamp(t, 0, Math.max(0, d - 0.05));
    renderTime();
  }

  function seekBy(delta) {
    seekTo(video.currentTime + delta);
    osd(`${delta > 0 ? '+' : '−'}${Math.abs(delta)} s`);
  }

  function setVolume(v) {
    video.volume = clamp(Math.round(v * 100) / 100, 0, 1);
    if (video.volume > 0) video.muted = false;
  }

  function toggleMute() {
    if (video.muted || video.volume === 0) {
      video.muted = false;
      if (video.volume === 0) video.volume = 0.5;
    } else {
      video.muted = true;
    }
  }

  function setSpeed(rate, announce = true) {
    video.defaultPlaybackRate = rate; // survives the media element's load algorithm
    video.playbackRate = rate;
    store('speed', rate);
    if (announce) osd(`${rate}×`);
    renderSpeedMenu();
  }

  function stepSpeed(dir) {
    const i = SPEEDS.indexOf(video.playbackRate);
    const cur = i >= 0 ? i : SPEEDS.indexOf(1);
    setSpeed(SPEEDS[clamp(cur + dir, 0, SPEEDS.length - 1)]);
  }

  function fullscreenElement() { return document.fullscreenElement || document.webkitFullscreenElement || null; }
  function toggleFullscreen() {
    const p = el.player;
    if (fullscreenElement()) {
      (document.exitFullscreen || document.webkitExitFullscreen).call(document);
    } else if (p.requestFullscreen) {
      p.requestFullscreen().catch(() => {});
    } else if (p.webkitRequestFullscreen) {
      p.webkitRequestFullscreen();
    } else if (video.webkitEnterFullscreen) {
      video.webkitEnterFullscreen(); // iPhone: only the video element can go full screen
    }
  }
  function syncFullscreen() {
    const fs = !!fullscreenElement();
    el.player.dataset.fullscreen = String(fs);
    el.btnFullscreen.setAttribute('aria-label', fs ? 'Exit full screen (f)' : 'Full screen (f)');
  }

  // ---------------------------------------------------------------- rendering
  function renderTime() {
    const d = duration();
    const t = state.scrubTime !== null ? state.scrubTime : video.currentTime;
    const frac = d ? clamp(t / d, 0, 1) : 0;
    el.seekPlayed.style.width = `${frac * 100}%`;
    el.seekKnob.style.left = `${frac * 100}%`;
    el.timeCurrent.textContent = formatTime(t);
    el.timeDuration.textContent = formatTime(d);
    el.seek.setAttribute('aria-valuemax', String(Math.round(d)));
    el.seek.setAttribute('aria-valuenow', String(Math.round(t)));
    el.seek.setAttribute('aria-valuetext', `${spokenTime(t)} of ${spokenTime(d)}`);
    // buffered: the range that contains the playhead
    const b = video.buffered;
    let end = 0;
    for (let i = 0; i < b.length; i++) {
      if (b.start(i) <= video.currentTime + 0.5 && b.end(i) >= video.currentTime) end = b.end(i);
    }
    el.seekBuffered.style.width = `${d ? clamp(end / d, 0, 1) * 100 : 0}%`;
  }

  let rafId = 0;
  function tick() {
    renderTime();
    rafId = video.paused ? 0 : requestAnimationFrame(tick);
  }

  function syncPlayState() {
    const paused = video.paused || video.ended;
    el.player.dataset.paused = String(paused);
    el.btnPlay.setAttribute('aria-label', paused ? 'Play (k)' : 'Pause (k)');
    if (!paused) {
      state.started = true;
      el.bigplay.hidden = true;
      if (!rafId) rafId = requestAnimationFrame(tick);
      scheduleHide();
    } else {
      if (video.ended) el.bigplay.hidden = false;
      showControls();
    }
  }

  function syncVolume() {
    const muted = video.muted || video.volume === 0;
    el.player.dataset.muted = String(muted);
    el.player.dataset.volume = video.volume < 0.5 ? 'low' : 'high';
    const shown = muted ? 0 : video.volume;
    el.volume.value = String(shown);
    el.volume.style.setProperty('--val', `${shown * 100}%`);
    el.volume.setAttribute('aria-valuetext', muted ? 'muted' : `${Math.round(video.volume * 100)}%`);
    el.btnMute.setAttribute('aria-label', muted ? 'Unmute (m)' : 'Mute (m)');
  }

  // ---------------------------------------------------------------- menus
  function renderMenu(ul, items, onPick) {
    ul.textContent = '';
    for (const item of items) {
      const li = document.createElement('li');
      li.setAttribute('role', 'none');
      const b = document.createElement('button');
      b.type = 'button';
      b.setAttribute('role', 'menuitemradio');
      b.setAttribute('aria-checked', String(!!item.checked));
      b.tabIndex = -1;
      b.textContent = item.label;
      if (item.hint) {
        const h = document.createElement('span');
        h.className = 'hint';
        h.textContent = item.hint;
        b.appendChild(h);
      }
      b.addEventListener('click', () => { onPick(item.value); closeMenu(true); });
      li.appendChild(b);
      ul.appendChild(li);
    }
  }

  function renderSpeedMenu() {
    const rate = video.playbackRate;
    el.btnSpeed.textContent = `${rate}×`;
    el.btnSpeed.setAttribute('aria-label', `Playback speed: ${rate}×`);
    renderMenu(el.menuSpeed, SPEEDS.slice().reverse().map((s) => ({
      label: s === 1 ? 'Normal' : `${s}×`, value: s, checked: s === rate,
    })), (s) => setSpeed(s));
  }

  function renderQualityMenu() {
    const eng = state.eng;
    const levels = state.levels.length ? state.levels : (eng ? eng.levels() : []);
    el.qualityWrap.hidden = !eng || levels.length < 2;
    if (el.qualityWrap.hidden) return;
    const auto = eng.isAuto();
    const playing = state.playing || eng.currentLevel();
    const short = playing ? levelShort(playing) : '';
    el.qualityLabel.textContent = auto ? (short ? `Auto · ${short}` : 'Auto') : levelShort(playing || levels[0]);
    el.btnQuality.setAttribute('aria-label', `Quality: ${auto ? 'Auto' : ''}${short ? ` ${short}` : ''}`.trim());
    if (state.openMenu === el.menuQuality) return; // don't rebuild under the user's pointer
    const sorted = levels.slice().sort((a, b) => (b.height - a.height) || (b.bitrate - a.bitrate));
    renderMenu(el.menuQuality, [
      { label: 'Auto', hint: auto && short ? short : '', value: -1, checked: auto },
      ...sorted.map((l) => ({ label: levelLabel(l), value: l.index, checked: !auto && playing && playing.index === l.index })),
    ], (i) => {
      eng.setLevel(i);
      osd(i < 0 ? 'Quality: Auto' : `Quality: ${levelShort(levels.find((l) => l.index === i))}`);
      renderQualityMenu();
    });
  }

  function openMenu(btn, ul) {
    if (state.openMenu) closeMenu(false);
    if (ul === el.menuQuality) renderQualityMenu();
    ul.hidden = false;
    btn.setAttribute('aria-expanded', 'true');
    state.openMenu = ul;
    state.openButton = btn;
    const items = [...ul.querySelectorAll('button')];
    const checked = items.find((b) => b.getAttribute('aria-checked') === 'true') || items[0];
    if (checked) checked.focus();
    showControls();
  }

  function closeMenu(refocus) {
    const ul = state.openMenu;
    if (!ul) return;
    ul.hidden = true;
    state.openButton.setAttribute('aria-expanded', 'false');
    if (refocus) state.openButton.focus();
    state.openMenu = null;
    if (ul === el.menuQuality) renderQualityMenu();
    scheduleHide();
  }

  function menuKeys(e) {
    const ul = state.openMenu;
    const items = [...ul.querySelectorAll('button')];
    const i = items.indexOf(document.activeElement);
    let next = null;
    if (e.key === 'ArrowDown') next = items[(i + 1) % items.length];
    else if (e.key === 'ArrowUp') next = items[(i - 1 + items.length) % items.length];
    else if (e.key === 'Home') next = items[0];
    else if (e.key === 'End') next = items[items.length - 1];
    else if (e.key === 'Escape') { closeMenu(true); e.preventDefault(); return true; }
    else if (e.key === 'Tab') { closeMenu(false); return true; }
    else return false;
    e.preventDefault();
    if (next) next.focus();
    return true;
  }

  for (const [btn, ul] of [[el.btnSpeed, el.menuSpeed], [el.btnQuality, el.menuQuality]]) {
    btn.addEventListener('click', () => {
      if (state.openMenu === ul) closeMenu(true); else openMenu(btn, ul);
    });
  }
  document.addEventListener('pointerdown', (e) => {
    if (state.openMenu && !e.target.closest('.menu-wrap')) closeMenu(false);
  });

  // ---------------------------------------------------------------- controls visibility
  function showControls() {
    el.player.dataset.controls = 'shown';
    scheduleHide();
  }
  function scheduleHide() {
    clearTimeout(state.hideTimer);
    state.hideTimer = setTimeout(() => {
      if (video.paused || state.openMenu || state.dragging) return;
      if (el.controls.contains(document.activeElement) && el.player.matches(':focus-within') && document.activeElement !== el.btnPlay) {
        // keyboard users working the controls keep them on screen
        if (document.activeElement.matches(':focus-visible')) return;
      }
      if (el.controls.matches(':hover')) return;
      el.player.dataset.controls = 'hidden';
    }, HIDE_AFTER_MS);
  }
  el.player.addEventListener('pointermove', showControls);
  el.player.addEventListener('focusin', showControls);
  el.player.addEventListener('pointerleave', () => {
    if (!video.paused && !state.openMenu && !state.dragging) {
      clearTimeout(state.hideTimer);
      state.hideTimer = setTimeout(() => { if (!video.paused && !state.openMenu) el.player.dataset.controls = 'hidden'; }, 600);
    }
  });

  // ---------------------------------------------------------------- seek bar + previews
  function fractionAt(clientX) {
    const r = el.seek.getBoundingClientRect();
    return clamp((clientX - r.left) / r.width, 0, 1);
  }

  function showPreview(frac) {
    const d = duration();
    const t = frac * d;
    const r = el.seek.getBoundingClientRect();
    el.seekHover.style.width = `${frac * 100}%`;
    el.previewTime.textContent = formatTime(t);
    const cue = state.thumbs.length ? cueAt(state.thumbs, t) : null;
    let w = 0;
    if (cue) {
      const img = state.sprites.get(cue.url);
      const natW = img && img.naturalWidth;
      const natH = img && img.naturalHeight;
      const cw = cue.w || natW || 160;
      const ch = cue.h || natH || 90;
      const scale = Math.min(1.25, 192 / cw);
      w = Math.round(cw * scale);
      const s = el.previewImg.style;
      s.width = `${w}px`;
      s.height = `${Math.round(ch * scale)}px`;
      s.backgroundImage = `url("${cue.url.replace(/"/g, '%22')}")`;
      if (cue.w && natW) {
        s.backgroundSize = `${natW * scale}px ${natH * scale}px`;
        s.backgroundPosition = `${-cue.x * scale}px ${-cue.y * scale}px`;
      } else {
        s.backgroundSize = 'cover';
        s.backgroundPosition = 'center';
      }
      el.preview.classList.add('has-img');
    } else {
      el.preview.classList.remove('has-img');
    }
    const half = Math.max(w, 48) / 2;
    const x = clamp(frac * r.width, half, Math.max(half, r.width - half));
    el.preview.style.left = `${x}px`;
  }

  el.seek.addEventListener('pointermove', (e) => {
    const frac = fractionAt(e.clientX);
    showPreview(frac);
    if (state.dragging) {
      state.scrubTime = frac * duration();
      renderTime();
    }
  });
  el.seek.addEventListener('pointerdown', (e) => {
    if (e.button !== 0 || !duration()) return;
    e.preventDefault();
    el.seek.setPointerCapture(e.pointerId);
    el.seek.focus({ preventScroll: true });
    state.dragging = true;
    el.seek.classList.add('dragging');
    const frac = fractionAt(e.clientX);
    state.scrubTime = frac * duration();
    showPreview(frac);
    renderTime();
  });
  function endDrag(e, commit) {
    if (!state.dragging) return;
    state.dragging = false;
    el.seek.classList.remove('dragging');
    const t = commit ? fractionAt(e.clientX) * duration() : null;
    state.scrubTime = null;
    if (t !== null) seekTo(t);
    renderTime();
    scheduleHide();
  }
  el.seek.addEventListener('pointerup', (e) => endDrag(e, true));
  el.seek.addEventListener('pointercancel', (e) => endDrag(e, false));

  async function loadThumbnails(url) {
    try {
      const res = await fetch(url, { mode: 'cors' });
      if (!res.ok) return;
      const cues = parseThumbnailsVtt(await res.text(), res.url || url);
      state.thumbs = cues;
      for (const u of new Set(cues.map((c) => c.url))) {
        const img = new Image();
        img.decoding = 'async';
        img.src = u;
        state.sprites.set(u, img);
      }
    } catch (err) {
      console.warn('lectern: thumbnails unavailable', err);
    }
  }

  // ---------------------------------------------------------------- pointer on the video
  el.bigplay.addEventListener('click', () => { togglePlay(); el.btnPlay.focus({ preventScroll: true }); });
  el.btnPlay.addEventListener('click', togglePlay);
  el.btnMute.addEventListener('click', toggleMute);
  el.btnFullscreen.addEventListener('click', toggleFullscreen);
  el.volume.addEventListener('input', () => setVolume(parseFloat(el.volume.value)));

  video.addEventListener('click', (e) => {
    if (el.player.dataset.state !== 'ready') return;
    if (e.pointerType === 'touch' && el.player.dataset.controls === 'hidden') { showControls(); return; }
    togglePlay();
  });
  video.addEventListener('dblclick', () => { if (el.player.dataset.state === 'ready') toggleFullscreen(); });

  // ---------------------------------------------------------------- media events
  video.addEventListener('play', syncPlayState);
  video.addEventListener('pause', syncPlayState);
  video.addEventListener('ended', syncPlayState);
  video.addEventListener('playing', () => { el.player.dataset.waiting = 'false'; syncPlayState(); });
  video.addEventListener('waiting', () => { el.player.dataset.waiting = 'true'; });
  video.addEventListener('seeking', () => { if (!video.paused) el.player.dataset.waiting = 'true'; });
  video.addEventListener('seeked', () => { el.player.dataset.waiting = 'false'; renderTime(); });
  video.addEventListener('canplay', () => { el.player.dataset.waiting = 'false'; });
  video.addEventListener('timeupdate', () => { if (!rafId) renderTime(); });
  video.addEventListener('progress', renderTime);
  video.addEventListener('durationchange', () => { renderTime(); updateSubtitle(); });
  video.addEventListener('loadedmetadata', () => { renderTime(); updateSubtitle(); });
  video.addEventListener('volumechange', () => {
    syncVolume();
    store('volume', video.volume);
    if (!(params.get('autoplay') === '1' && !state.started)) store('muted', video.muted);
  });
  video.addEventListener('ratechange', renderSpeedMenu);
  document.addEventListener('fullscreenchange', syncFullscreen);
  document.addEventListener('webkitfullscreenchange', syncFullscreen);
  if (!(document.fullscreenEnabled || document.webkitFullscreenEnabled || video.webkitEnterFullscreen)) el.btnFullscreen.hidden = true;
  syncFullscreen();

  // ---------------------------------------------------------------- keyboard
  function isTextField(t) {
    if (!t || !t.tagName) return false;
    if (t.isContentEditable) return true;
    if (t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') return true;
    return t.tagName === 'INPUT' && !['range', 'checkbox', 'radio', 'button'].includes(t.type);
  }

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (state.openMenu && menuKeys(e)) return;
    if (el.player.dataset.state !== 'ready' || isTextField(e.target)) return;
    const t = e.target;
    const onButton = t && (t.tagName === 'BUTTON' || t.tagName === 'SUMMARY');
    const onRange = t === el.volume;
    const onSeek = t === el.seek;
    let handled = true;
    switch (e.key) {
      case ' ':
      case 'Spacebar':
        if (onButton) return; // let the focused button do its own thing
        togglePlay(); break;
      case 'k': case 'K': togglePlay(); break;
      case 'ArrowLeft': if (onRange) return; seekBy(-5); break;
      case 'ArrowRight': if (onRange) return; seekBy(5); break;
      case 'j': case 'J': seekBy(-10); break;
      case 'l': case 'L': seekBy(10); break;
      case 'ArrowUp':
        if (onRange) return;
        setVolume((video.muted ? 0 : video.volume) + 0.05); osd(`Volume ${Math.round(video.volume * 100)}%`); break;
      case 'ArrowDown':
        if (onRange) return;
        setVolume(video.volume - 0.05); osd(video.volume === 0 ? 'Muted' : `Volume ${Math.round(video.volume * 100)}%`); break;
      case 'm': case 'M': toggleMute(); osd(video.muted ? 'Muted' : `Volume ${Math.round(video.volume * 100)}%`); break;
      case 'f': case 'F': toggleFullscreen(); break;
      case '>': stepSpeed(1); break;
      case '<': stepSpeed(-1); break;
      case 'Home': if (!onSeek && t !== document.body && t !== el.player) return; seekTo(0); break;
      case 'End': if (!onSeek && t !== document.body && t !== el.player) return; seekTo(duration()); break;
      case 'PageUp': if (!onSeek) return; seekBy(Math.max(10, Math.round(duration() / 10))); break;
      case 'PageDown': if (!onSeek) return; seekBy(-Math.max(10, Math.round(duration() / 10))); break;
      default:
        if (/^[0-9]$/.test(e.key)) { seekTo((Number(e.key) / 10) * duration()); osd(formatTime(video.currentTime)); }
        else handled = false;
    }
    if (handled) {
      e.preventDefault();
      showControls();
    }
  });


  main().catch((err) => {
    console.error(err);
    errors.push({ t: Math.round(performance.now()), message: String(err && err.message || err) });
    showStatus('error', 'Something went wrong', String(err && err.message || err), null, { label: 'Reload', run: () => location.reload() });
  });
  return { video };
}
