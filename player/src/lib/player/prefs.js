// Volume, mute and speed remembered in localStorage (lectern.player.*). Storage
// may be missing or throw (private mode, sandboxed frames): then nothing is kept.
import { clamp } from './clamp.js';
import { SPEEDS } from './speed.js';

const PREFIX = 'lectern.player.';

function storageOf(storage) {
  return storage || globalThis.localStorage;
}

export function savePref(key, value, storage) {
  try { storageOf(storage).setItem(PREFIX + key, String(value)); } catch { /* not kept */ }
}

export function loadPref(key, storage) {
  try { return storageOf(storage).getItem(PREFIX + key); } catch { return null; }
}

/**
 * The saved settings to apply at start (pure but for the storage; unit tested).
 * → {volume: number|null, muted: boolean, speed: number|null}; muted is not restored for ?autoplay=1
 *   (autoplay starts muted and does not touch the saved choice).
 */
export function savedPlayback(autoplay, storage) {
  const vol = parseFloat(loadPref('volume', storage));
  const speed = parseFloat(loadPref('speed', storage));
  return {
    volume: Number.isFinite(vol) ? clamp(vol, 0, 1) : null,
    muted: !autoplay && loadPref('muted', storage) === 'true',
    speed: SPEEDS.includes(speed) ? speed : null,
  };
}
