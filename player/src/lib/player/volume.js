// Volume and mute: the mute button, the slider and #player[data-muted|data-volume].
import { clamp } from './clamp.js';

/**
 * @param {object} el  the player's elements
 * @param {HTMLVideoElement} video
 */
export function createVolume(el, video) {
  function set(v) {
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

  /** ↑ / ↓: 5 % up or down → the on-screen note. Up from muted starts at 0. */
  function step(dir) {
    if (dir > 0) set((video.muted ? 0 : video.volume) + 0.05);
    else set(video.volume - 0.05);
    if (dir < 0 && video.volume === 0) return 'Muted';
    return `Volume ${Math.round(video.volume * 100)}%`;
  }

  /** The note after toggleMute. */
  function muteNote() {
    return video.muted ? 'Muted' : `Volume ${Math.round(video.volume * 100)}%`;
  }

  /** Show the media element's volume on the controls. */
  function sync() {
    const muted = video.muted || video.volume === 0;
    el.player.dataset.muted = String(muted);
    el.player.dataset.volume = video.volume < 0.5 ? 'low' : 'high';
    const shown = muted ? 0 : video.volume;
    el.volume.value = String(shown);
    el.volume.style.setProperty('--val', `${shown * 100}%`);
    el.volume.setAttribute('aria-valuetext', muted ? 'muted' : `${Math.round(video.volume * 100)}%`);
    el.btnMute.setAttribute('aria-label', muted ? 'Unmute (m)' : 'Mute (m)');
  }

  return { set, toggleMute, step, muteNote, sync };
}
