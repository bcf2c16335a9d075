// Playback speeds: the menu's items and the > / < steps, capped at a
// lesson's max_speed (pure; unit tested).
import { clamp } from './clamp.js';

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

/** rate, at most max (no cap: max = Infinity). */
export function capSpeed(rate, max = Infinity) {
  return Math.min(rate, max);
}

/** The speeds offered under max (at least the slowest). */
function offered(max) {
  const list = SPEEDS.filter((s) => s <= max + 1e-9);
  return list.length ? list : [SPEEDS[0]];
}

/** Menu items, fastest first; none faster than max. */
export function speedItems(rate, max = Infinity) {
  return offered(max).reverse().map((s) => ({ label: s === 1 ? 'Normal' : `${s}×`, value: s, checked: s === rate }));
}

/** The speed one step (dir = +1 / -1) from rate, never past max; a rate off the list steps from 1×. */
export function stepSpeed(rate, dir, max = Infinity) {
  const list = offered(max);
  const i = list.indexOf(rate);
  const cur = i >= 0 ? i : Math.max(0, list.indexOf(1));
  return list[clamp(cur + dir, 0, list.length - 1)];
}
