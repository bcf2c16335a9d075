// The seek bar and the time display: played / buffered / knob, scrubbing with
// the pointer (the seek happens on release), the hover preview with its
// thumbnail, the locked tail of a lesson's video (past what the learner may
// watch yet) and checkpoint markers. bufferedEnd, previewLeft and
// seekValueText are pure (unit tested).
import { clamp } from './clamp.js';
import { formatTime, spokenTime } from '../format.js';

/** End of the buffered range that holds the playhead (0 when none). ranges: TimeRanges-like. */
export function bufferedEnd(ranges, t) {
  let end = 0;
  for (let i = 0; i < ranges.length; i++) {
    if (ranges.start(i) <= t + 0.5 && ranges.end(i) >= t) end = ranges.end(i);
  }
  return end;
}

/** x (px) of the preview's centre: under the pointer, kept inside the track. */
export function previewLeft(frac, trackWidth, imgWidth) {
  const half = Math.max(imgWidth, 48) / 2;
  return clamp(frac * trackWidth, half, Math.max(half, trackWidth - half));
}

/** The seek bar's aria-valuetext: "18 seconds of 1 minute 2 seconds", plus "; locked after 20 seconds". */
export function seekValueText(t, d, lockedFrom = null) {
  const base = `${spokenTime(t)} of ${spokenTime(d)}`;
  return lockedFrom === null ? base : `${base}; locked after ${spokenTime(lockedFrom)}`;
}

/**
 * @param {object} p
 * @param {object} p.el  the player's elements
 * @param {HTMLVideoElement} p.video
 * @param {(target, type, fn) => void} p.listen
 * @param {() => number} p.duration
 * @param {(t: number) => void} p.seek  commit a scrub
 * @param {{frameAt(t:number): object|null}} p.thumbnails
 * @param {() => void} p.released  after a drag ends
 * @param {() => (number|null)} [p.locked]  where the locked tail starts (null: nothing locked)
 * @returns {{render():void, dragging():boolean, setMarkers(list:{at:number,done:boolean,required:boolean,title:string}[]):void}}
 */
export function createSeekbar({ el, video, listen, duration, seek, thumbnails, released, locked = () => null }) {
  let markers = [];
  let dragging = false;
  let scrubTime = null; // time under the pointer while dragging

  function render() {
    const d = duration();
    const t = scrubTime !== null ? scrubTime : video.currentTime;
    const frac = d ? clamp(t / d, 0, 1) : 0;
    el.seekPlayed.style.width = `${frac * 100}%`;
    el.seekKnob.style.left = `${frac * 100}%`;
    el.timeCurrent.textContent = formatTime(t);
    el.timeDuration.textContent = formatTime(d);
    el.seek.setAttribute('aria-valuemax', String(Math.round(d)));
    el.seek.setAttribute('aria-valuenow', String(Math.round(t)));
    const lim = d ? locked() : null;
    el.seek.setAttribute('aria-valuetext', seekValueText(t, d, lim));
    const end = bufferedEnd(video.buffered, video.currentTime);
    el.seekBuffered.style.width = `${d ? clamp(end / d, 0, 1) * 100 : 0}%`;
    if (el.seekLocked) {
      el.seekLocked.hidden = lim === null;
      if (lim !== null) {
        const from = clamp(lim / d, 0, 1) * 100;
        el.seekLocked.style.left = `${from}%`;
        el.seekLocked.style.width = `${100 - from}%`;
      }
    }
    renderMarkers(d);
  }

  let markersKey = '';
  function renderMarkers(d) {
    if (!el.seekMarkers) return;
    const key = `${d}|${JSON.stringify(markers)}`;
    if (key === markersKey) return;
    markersKey = key;
    el.seekMarkers.textContent = '';
    if (!d) return;
    const doc = el.seekMarkers.ownerDocument;
    for (const m of markers) {
      const n = doc.createElement('span');
      n.className = `seek-marker${m.done ? ' done' : ''}${m.required ? ' required' : ''}`;
      n.style.left = `${clamp(m.at / d, 0, 1) * 100}%`;
      n.title = m.title || `Checkpoint at ${formatTime(m.at)}`;
      el.seekMarkers.appendChild(n);
    }
  }

  function fractionAt(clientX) {
    const r = el.seek.getBoundingClientRect();
    return clamp((clientX - r.left) / r.width, 0, 1);
  }

  function showPreview(frac) {
    const t = frac * duration();
    const r = el.seek.getBoundingClientRect();
    el.seekHover.style.width = `${frac * 100}%`;
    const lim = locked();
    const isLocked = lim !== null && t > lim;
    el.previewTime.textContent = isLocked ? `${formatTime(t)} · locked` : formatTime(t);
    el.preview.classList.toggle('locked', isLocked);
    const frame = thumbnails.frameAt(t);
    if (frame) {
      Object.assign(el.previewImg.style, frame.style);
      el.preview.classList.add('has-img');
    } else {
      el.preview.classList.remove('has-img');
    }
    el.preview.style.left = `${previewLeft(frac, r.width, frame ? frame.width : 0)}px`;
  }

  listen(el.seek, 'pointermove', (e) => {
    const frac = fractionAt(e.clientX);
    showPreview(frac);
    if (dragging) {
      scrubTime = frac * duration();
      render();
    }
  });
  listen(el.seek, 'pointerdown', (e) => {
    if (e.button !== 0 || !duration()) return;
    e.preventDefault();
    el.seek.setPointerCapture(e.pointerId);
    el.seek.focus({ preventScroll: true });
    dragging = true;
    el.seek.classList.add('dragging');
    const frac = fractionAt(e.clientX);
    scrubTime = frac * duration();
    showPreview(frac);
    render();
  });
  function endDrag(e, commit) {
    if (!dragging) return;
    dragging = false;
    el.seek.classList.remove('dragging');
    const t = commit ? fractionAt(e.clientX) * duration() : null;
    scrubTime = null;
    if (t !== null) seek(t);
    render();
    released();
  }
  listen(el.seek, 'pointerup', (e) => endDrag(e, true));
  listen(el.seek, 'pointercancel', (e) => endDrag(e, false));

  return {
    render,
    dragging: () => dragging,
    setMarkers(list) {
      markers = Array.isArray(list) ? list.map((m) => ({ at: Number(m.at) || 0, done: !!m.done, required: !!m.required, title: m.title || '' })) : [];
      render();
    },
  };
}
