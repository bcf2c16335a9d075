// The controls hide while playing after a still pointer (#player[data-controls]);
// not while paused, a menu is open, the seek bar is dragged, the pointer is over
// them, or a keyboard user is working them.

const HIDE_AFTER_MS = 2500;

/**
 * @param {object} p
 * @param {object} p.el  the player's elements
 * @param {HTMLVideoElement} p.video
 * @param {(target, type, fn) => void} p.listen
 * @param {() => boolean} p.busy  a menu is open or the seek bar is being dragged
 * @param {() => boolean} p.menuOpen
 * @returns {{show():void, scheduleHide():void, stop():void}}
 */
export function createAutohide({ el, video, listen, busy, menuOpen }) {
  const doc = el.player.ownerDocument;
  let timer = 0;

  function show() {
    el.player.dataset.controls = 'shown';
    scheduleHide();
  }
  function scheduleHide() {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (video.paused || busy()) return;
      const active = doc.activeElement;
      if (el.controls.contains(active) && el.player.matches(':focus-within') && active !== el.btnPlay) {
        // keyboard users working the controls keep them on screen
        if (active.matches(':focus-visible')) return;
      }
      if (el.controls.matches(':hover')) return;
      el.player.dataset.controls = 'hidden';
    }, HIDE_AFTER_MS);
  }

  listen(el.player, 'pointermove', show);
  listen(el.player, 'focusin', show);
  listen(el.player, 'pointerleave', () => {
    if (!video.paused && !busy()) {
      clearTimeout(timer);
      timer = setTimeout(() => { if (!video.paused && !menuOpen()) el.player.dataset.controls = 'hidden'; }, 600);
    }
  });

  return { show, scheduleHide, stop: () => clearTimeout(timer) };
}
