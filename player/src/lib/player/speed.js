// Playback speeds: the menu's items and the > / < steps (pure; unit tested).
import { clamp } from './clamp.js';

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

/** Menu items, fastest first. */
export function speedItems(rate) {
  return SPEEDS.slice().reverse().map((s) => ({ label: s === 1 ? 'Normal' : `${s}×`, value: s, checked: s === rate }));
}

/** The speed one step (dir = +1 / -1) from rate; a rate off the list steps from 1×. */
export function stepSpeed(rate, dir) {
  const i = SPEEDS.indexOf(rate);
  const cur = i >= 0 ? i : SPEEDS.indexOf(1);
  return SPEEDS[clamp(cur + dir, 0, SPEEDS.length - 1)];
}
