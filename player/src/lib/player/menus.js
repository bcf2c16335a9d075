// The popup menus of the control bar (speed, quality): one open at a time,
// radio items, arrow keys / Home / End / Escape / Tab, a click outside closes.

/**
 * @param {object} p
 * @param {Document} p.doc
 * @param {(target, type, fn) => void} p.listen  teardown-aware addEventListener
 * @param {(ul: HTMLElement) => void} p.refresh  rebuild ul's items; called while no menu is open, before ul shows and after it hides
 * @param {() => void} p.onOpen   after a menu opened
 * @param {() => void} p.onClose  after a menu closed
 */
export function createMenus({ doc, listen, refresh, onOpen, onClose }) {
  let openUl = null;
  let openButton = null;

  /** Fill ul with menuitemradio buttons; onPick(value) then the menu closes. */
  function render(ul, items, onPick) {
    ul.textContent = '';
    for (const item of items) {
      const li = doc.createElement('li');
      li.setAttribute('role', 'none');
      const b = doc.createElement('button');
      b.type = 'button';
      b.setAttribute('role', 'menuitemradio');
      b.setAttribute('aria-checked', String(!!item.checked));
      b.tabIndex = -1;
      b.textContent = item.label;
      if (item.hint) {
        const h = doc.createElement('span');
        h.className = 'hint';
        h.textContent = item.hint;
        b.appendChild(h);
      }
      b.addEventListener('click', () => { onPick(item.value); close(true); });
      li.appendChild(b);
      ul.appendChild(li);
    }
  }

  function open(btn, ul) {
    if (openUl) close(false);
    refresh(ul);
    ul.hidden = false;
    btn.setAttribute('aria-expanded', 'true');
    openUl = ul;
    openButton = btn;
    const items = [...ul.querySelectorAll('button')];
    const checked = items.find((b) => b.getAttribute('aria-checked') === 'true') || items[0];
    if (checked) checked.focus();
    onOpen();
  }

  function close(refocus) {
    const ul = openUl;
    if (!ul) return;
    ul.hidden = true;
    openButton.setAttribute('aria-expanded', 'false');
    if (refocus) openButton.focus();
    openUl = null;
    refresh(ul);
    onClose();
  }

  /** Keys for the open menu; true when the key was used. */
  function keys(e) {
    const ul = openUl;
    if (!ul) return false;
    const items = [...ul.querySelectorAll('button')];
    const i = items.indexOf(doc.activeElement);
    let next = null;
    if (e.key === 'ArrowDown') next = items[(i + 1) % items.length];
    else if (e.key === 'ArrowUp') next = items[(i - 1 + items.length) % items.length];
    else if (e.key === 'Home') next = items[0];
    else if (e.key === 'End') next = items[items.length - 1];
    else if (e.key === 'Escape') { close(true); e.preventDefault(); return true; }
    else if (e.key === 'Tab') { close(false); return true; }
    else return false;
    e.preventDefault();
    if (next) next.focus();
    return true;
  }

  /** btn toggles ul. */
  function attach(btn, ul) {
    listen(btn, 'click', () => {
      if (openUl === ul) close(true); else open(btn, ul);
    });
  }

  listen(doc, 'pointerdown', (e) => {
    if (openUl && !e.target.closest('.menu-wrap')) close(false);
  });

  return { render, open, close, keys, attach, isOpen: (ul) => (ul ? openUl === ul : openUl !== null) };
}
