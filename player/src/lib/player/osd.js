// The on-screen note (#osd): "+5 s", "Volume 40%", "1.5×"…, shown for 0.9 s.
export function createOsd(node) {
  let timer = 0;
  function show(text) {
    node.textContent = text;
    node.classList.add('show');
    clearTimeout(timer);
    timer = setTimeout(() => node.classList.remove('show'), 900);
  }
  return { show, stop: () => clearTimeout(timer) };
}
