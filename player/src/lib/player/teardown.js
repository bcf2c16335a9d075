// Undo list for destroy(): event listeners and other clean-ups, run once, last added first.
// Works with any EventTarget (unit tested in node).

export function createTeardown(onError = (err) => console.error(err)) {
  const undo = [];
  let done = false;
  return {
    /** addEventListener that destroy() removes again. */
    listen(target, type, fn, opts) {
      if (done) return;
      target.addEventListener(type, fn, opts);
      undo.push(() => target.removeEventListener(type, fn, opts));
    },
    /** Run fn at teardown (at once if teardown already ran). */
    add(fn) {
      if (done) fn(); else undo.push(fn);
    },
    get done() { return done; },
    run() {
      if (done) return;
      done = true;
      while (undo.length) {
        try { undo.pop()(); } catch (err) { onError(err); }
      }
    },
  };
}
