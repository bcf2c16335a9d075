// The seek bar and the time display: played / buffered / knob, scrubbing with
// the pointer (the seek happens on release), the hover preview with its
// thumbnail. bufferedEnd and previewLeft are pure (unit tested).
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

/**
 * @param {object} p
 * @param {object} p.el  the player's elements
 * @param {HTMLVideoElement} p.video
 * @param {(target, type, fn) => void} p.listen
 * @param {() => number} p.duration
 * @param {(t: number) => void} p.seek  commit a scrub
 * @param {{frameAt(t:number): object|null}} p.thumbnails
 * @param {() => void} p.released  after a drag ends
 * @returns {{render():void, dragging():boolean}}
 */
export function createSeekbar({ el, video, listen, duration, seek, thumbnails, released }) {
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
    el.seek.setAttribute('aria-valuetext', `${spokenTime(t)} of ${spokenTime(d)}`);
    const end = bufferedEnd(video.buffered, video.currentTime);
    el.seekBuffered.style.width = `${d ? clamp(end / d, 0, 1) * 100 : 0}%`;
  }

  function fractionAt(clientX) {
    const r = el.seek.getBoundingClientRect();
    return clamp((clientX - r.left) / r.width, 0, 1);
  }

  function showPreview(frac) {
    const t = frac * duration();
    const r = el.seek.getBoundingClientRect();
    el.seekHover.style.width = `${frac * 100}%`;
    el.previewTime.textContent = formatTime(t);
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

  return { render, dragging: () => dragging };
}
