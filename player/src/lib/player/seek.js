// The seek path. Every seek the player makes (seek bar, keyboard, handle.seek)
// goes through seek(t), which asks the guard first: guard(from, to) returns the
// time to seek to instead (clamp) or null (veto). It also works out the
// from/to of the media element's seeking and seeked events. No DOM: the media
// element is reached through the functions passed in (unit tested).

import { clamp } from './clamp.js';

/** Seeks stop 50 ms short of the end. */
export function clampToMedia(t, duration) {
  return clamp(t, 0, Math.max(0, duration - 0.05));
}

/** The default guard: every seek goes where it was asked to. */
export const allowAll = (from, to) => to;

/**
 * @param {object} media
 * @param {() => number} media.position   current time
 * @param {() => number} media.duration   0 while unknown
 * @param {(t: number) => void} media.apply  set the current time
 */
export function createSeekPath({ position, duration, apply }) {
  let guard = allowAll;
  let settled = 0;  // last position seen while no seek was in flight
  let from = null;  // where the seek in flight started

  return {
    /** guard(from, to) → allowed time (clamped to the media again) or null to refuse; null/undefined restores allowAll. */
    setGuard(fn) {
      if (fn != null && typeof fn !== 'function') throw new TypeError('seek guard must be a function');
      guard = fn || allowAll;
    },
    /** Seek to t through the guard. → the time sought to; null when there is no duration yet or the guard refused. */
    seek(t) {
      const d = duration();
      if (!d || !Number.isFinite(t)) return null;
      const now = position();
      const allowed = guard(now, clampToMedia(t, d));
      if (typeof allowed !== 'number' || !Number.isFinite(allowed)) return null;
      const to = clampToMedia(allowed, d);
      if (from === null) settled = now;
      apply(to);
      return to;
    },
    /** The media reported its time while not seeking. */
    time(t) {
      if (from === null) settled = t;
    },
    /** The media started seeking to `to` → {from, to}; from stays the start of the first of several overlapping seeks. */
    seeking(to) {
      if (from === null) from = settled;
      return { from, to };
    },
    /** The media finished seeking at `to` → {from, to}. */
    seeked(to) {
      const f = from === null ? settled : from;
      from = null;
      settled = to;
      return { from: f, to };
    },
  };
}
