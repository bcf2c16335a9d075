// The player markup (element ids are relied on by watch.css and the browser
// tests) and the lookup of its elements. One player per document.

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
      <div class="seek-locked" id="seek-locked" hidden></div>
    </div>
    <div class="seek-markers" id="seek-markers" aria-hidden="true"></div>
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

/**
 * The player's elements, by id.
 * @param {Document} doc
 * @param {{title?: HTMLElement, subtitle?: HTMLElement}} opts  page elements for the title and the subtitle
 */
export function playerElements(doc, opts = {}) {
  const $ = (id) => doc.getElementById(id);
  return {
    player: $('player'), video: $('video'), checkpoints: $('checkpoints'),
    status: $('status'), statusTitle: $('status-title'),
    statusDetail: $('status-detail'), statusProgress: $('status-progress'), statusBar: $('status-progress-bar'),
    bigplay: $('bigplay'), controls: $('controls'), osd: $('osd'),
    seek: $('seek'), seekBuffered: $('seek-buffered'), seekPlayed: $('seek-played'), seekHover: $('seek-hover'),
    seekLocked: $('seek-locked'), seekMarkers: $('seek-markers'),
    seekKnob: $('seek-knob'), preview: $('preview'), previewImg: $('preview-img'), previewTime: $('preview-time'),
    btnPlay: $('btn-play'), btnMute: $('btn-mute'), volume: $('volume'),
    timeCurrent: $('time-current'), timeDuration: $('time-duration'),
    btnSpeed: $('btn-speed'), menuSpeed: $('menu-speed'),
    qualityWrap: $('quality-wrap'), btnQuality: $('btn-quality'), qualityLabel: $('quality-label'), menuQuality: $('menu-quality'),
    btnFullscreen: $('btn-fullscreen'), title: opts.title || null, subtitle: opts.subtitle || null,
  };
}
