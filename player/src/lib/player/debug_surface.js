// window.lecternPlayer: the read-only test/debug surface (e2e/*.test.js read it;
// its shape is documented in player/README.md).

/** {index, height, bitrate} of a level, or null. */
export function levelInfo(l) {
  return l ? { index: l.index, height: l.height, bitrate: l.bitrate } : null;
}

/**
 * @param {object} win  window
 * @param {object} eng  the engine adapter (engines.js)
 * @param {HTMLVideoElement} video
 * @param {object[]} switches  [{t, position, index, height, bitrate}], appended to as renditions change
 * @param {object[]} errors    [{t, message}], appended to on fatal errors
 * @param {object} [extra]      more read-only fields (the lesson's timeline, speed cap, engine swaps)
 * @returns {() => void} remove the surface again (if it is still this one)
 */
export function publishDebugSurface(win, eng, video, switches, errors, extra = {}) {
  const surface = Object.freeze({
    engine: eng.engine,
    video,
    levels: () => eng.levels().map(levelInfo),
    currentLevel: () => levelInfo(eng.currentLevel()),
    isAuto: () => eng.isAuto(),
    switches,
    errors,
    ...extra,
  });
  win.lecternPlayer = surface;
  return () => { if (win.lecternPlayer === surface) delete win.lecternPlayer; };
}
