// Full screen for the player (the video element alone on iPhone), and
// #player[data-fullscreen] + the button's label.

/**
 * @param {object} el  the player's elements
 * @param {HTMLVideoElement} video
 */
export function createFullscreen(el, video) {
  const doc = el.player.ownerDocument;
  const current = () => doc.fullscreenElement || doc.webkitFullscreenElement || null;

  function toggle() {
    const p = el.player;
    if (current()) {
      (doc.exitFullscreen || doc.webkitExitFullscreen).call(doc);
    } else if (p.requestFullscreen) {
      p.requestFullscreen().catch(() => {});
    } else if (p.webkitRequestFullscreen) {
      p.webkitRequestFullscreen();
    } else if (video.webkitEnterFullscreen) {
      video.webkitEnterFullscreen(); // iPhone: only the video element can go full screen
    }
  }

  function sync() {
    const fs = !!current();
    el.player.dataset.fullscreen = String(fs);
    el.btnFullscreen.setAttribute('aria-label', fs ? 'Exit full screen (f)' : 'Full screen (f)');
  }

  const supported = () => !!(doc.fullscreenEnabled || doc.webkitFullscreenEnabled || video.webkitEnterFullscreen);

  return { toggle, sync, supported };
}
