// Keyboard shortcuts: which key does what (keyAction, pure; unit tested) and the
// document-level keydown listener that runs it.

/** Keys typed into this element are text, not shortcuts. */
export function isTextField(t) {
  if (!t || !t.tagName) return false;
  if (t.isContentEditable) return true;
  if (t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') return true;
  return t.tagName === 'INPUT' && !['range', 'checkbox', 'radio', 'button'].includes(t.type);
}

/**
 * The action for a key, or null to leave the key alone.
 * @param {string} key  KeyboardEvent.key
 * @param {object} at  where the focus is
 * @param {boolean} at.onButton  a button or <summary> (Space is theirs)
 * @param {boolean} at.onRange   the volume slider (arrows are its own)
 * @param {boolean} at.onSeek    the seek bar
 * @param {boolean} at.onPage    <body> or the player itself
 * @param {number} duration
 * @returns {null|{type:'toggle'|'mute'|'fullscreen'}|{type:'seekBy', delta:number}|{type:'seekTo', t:number, note?:boolean}
 *   |{type:'volume', dir:1|-1}|{type:'speed', dir:1|-1}}  seekTo.note: show the new time on screen
 */
export function keyAction(key, { onButton = false, onRange = false, onSeek = false, onPage = false } = {}, duration = 0) {
  switch (key) {
    case ' ':
    case 'Spacebar': return onButton ? null : { type: 'toggle' };
    case 'k': case 'K': return { type: 'toggle' };
    case 'ArrowLeft': return onRange ? null : { type: 'seekBy', delta: -5 };
    case 'ArrowRight': return onRange ? null : { type: 'seekBy', delta: 5 };
    case 'j': case 'J': return { type: 'seekBy', delta: -10 };
    case 'l': case 'L': return { type: 'seekBy', delta: 10 };
    case 'ArrowUp': return onRange ? null : { type: 'volume', dir: 1 };
    case 'ArrowDown': return onRange ? null : { type: 'volume', dir: -1 };
    case 'm': case 'M': return { type: 'mute' };
    case 'f': case 'F': return { type: 'fullscreen' };
    case '>': return { type: 'speed', dir: 1 };
    case '<': return { type: 'speed', dir: -1 };
    case 'Home': return onSeek || onPage ? { type: 'seekTo', t: 0 } : null;
    case 'End': return onSeek || onPage ? { type: 'seekTo', t: duration } : null;
    case 'PageUp': return onSeek ? { type: 'seekBy', delta: Math.max(10, Math.round(duration / 10)) } : null;
    case 'PageDown': return onSeek ? { type: 'seekBy', delta: -Math.max(10, Math.round(duration / 10)) } : null;
    default:
      if (/^[0-9]$/.test(key)) return { type: 'seekTo', t: (Number(key) / 10) * duration, note: true };
      return null;
  }
}

/**
 * Listen for shortcuts on the document.
 * @param {object} p
 * @param {Document} p.doc
 * @param {object} p.el  the player's elements
 * @param {(target, type, fn) => void} p.listen  teardown-aware addEventListener
 * @param {(e: KeyboardEvent) => boolean} p.menuKeys  an open menu takes the key first (true = used)
 * @param {() => number} p.duration
 * @param {(action: object) => void} p.run  carry out a keyAction
 * @param {() => void} p.handled  after a shortcut ran (shows the controls)
 */
export function bindKeyboard({ doc, el, listen, menuKeys, duration, run, handled }) {
  listen(doc, 'keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (menuKeys(e)) return;
    if (el.player.dataset.state !== 'ready' || isTextField(e.target)) return;
    const t = e.target;
    const action = keyAction(e.key, {
      onButton: !!t && (t.tagName === 'BUTTON' || t.tagName === 'SUMMARY'),
      onRange: t === el.volume,
      onSeek: t === el.seek,
      onPage: t === doc.body || t === el.player,
    }, duration());
    if (!action) return;
    run(action);
    e.preventDefault();
    handled();
  });
}
