// The event emitter behind the player handle's on/off (no DOM; unit tested).
//
//   const ev = createEmitter({ events: ['ready', 'timeupdate'], latched: ['ready'] });
//   const off = ev.on('timeupdate', ({ currentTime }) => …);
//   ev.emit('timeupdate', { currentTime: 3, duration: 60 });
//   off();
//
// Listeners run in the order they were added; one that throws is passed to
// onError (default console.error) and the others still run. A latched event is
// remembered once emitted: a listener added later gets its last payload on the
// next microtask (so a late subscriber still learns the player is ready).
// With `events` given, an unknown name throws (catches typos in on('…')).

/** The events of the player handle (payloads in player/README.md). */
export const PLAYER_EVENTS = ['ready', 'timeupdate', 'seeking', 'seeked', 'qualitychange', 'ratechange', 'play', 'pause', 'ended', 'error'];

export function createEmitter({ events = null, latched = [], onError = (err) => console.error(err) } = {}) {
  const known = events ? new Set(events) : null;
  const sticky = new Set(latched);
  const last = new Map(); // latched name -> last payload
  let byName = new Map(); // name -> [{fn, active}]

  function check(name) {
    if (known && !known.has(name)) throw new TypeError(`unknown player event: ${name}`);
  }
  function call(entry, payload) {
    if (!entry.active) return;
    try { entry.fn(payload); } catch (err) { onError(err); }
  }
  function remove(name, entry) {
    entry.active = false;
    const list = byName.get(name);
    if (!list) return;
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
  }

  return {
    /** Add a listener; returns the function that removes it. */
    on(name, fn) {
      check(name);
      if (typeof fn !== 'function') throw new TypeError('listener must be a function');
      const entry = { fn, active: true };
      if (!byName.has(name)) byName.set(name, []);
      byName.get(name).push(entry);
      if (last.has(name)) {
        const payload = last.get(name);
        queueMicrotask(() => call(entry, payload));
      }
      return () => remove(name, entry);
    },
    /** Remove every registration of fn for name. */
    off(name, fn) {
      check(name);
      for (const entry of (byName.get(name) || []).slice()) if (entry.fn === fn) remove(name, entry);
    },
    emit(name, payload) {
      check(name);
      if (sticky.has(name)) last.set(name, payload);
      // a snapshot: listeners added during the emit wait for the next one, removed ones are skipped
      for (const entry of (byName.get(name) || []).slice()) call(entry, payload);
    },
    /** How many listeners name has. */
    count(name) {
      check(name);
      return (byName.get(name) || []).length;
    },
    /** Drop every listener and every latched payload (the player is being destroyed). */
    clear() {
      for (const list of byName.values()) for (const entry of list) entry.active = false;
      byName = new Map();
      last.clear();
    },
  };
}
