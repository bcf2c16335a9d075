// Catalog: /catalog?q=&tag= — published courses of the organization
// (GET /api/v1/catalog), full-text search, tag filter, "Load more" by cursor.
import { fill, boot, call, h, run, itemsOf } from './lib/app.js';

run(async () => {
  await boot();
  const params = new URLSearchParams(location.search);
  const state = { q: params.get('q') || '', tag: params.get('tag') || '', cursor: null, tags: new Set() };
  const main = document.getElementById('main');

  const search = h('input', { type: 'search', id: 'q', name: 'q', value: state.q, placeholder: 'Search courses', 'aria-label': 'Search courses', autocomplete: 'off' });
  const form = h('form', { role: 'search', class: 'row', id: 'search-form' }, h('div', { style: { flex: '1', minWidth: '200px' } }, search), h('button', { type: 'submit', class: 'primary' }, 'Search'));
  const tagBar = h('div', { class: 'tags', role: 'group', 'aria-label': 'Filter by tag' });
  const status = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite', id: 'catalog-status' });
  const grid = h('div', { class: 'grid', id: 'results' });
  const more = h('button', { type: 'button', id: 'more', hidden: true }, 'Load more');
  fill.add(main, 
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, 'Catalog'), h('p', { class: 'lead' }, 'Courses you can take. Open one to see its outline and enroll.'))),
    form, tagBar, status, grid, h('div', { class: 'row', style: { justifyContent: 'center', marginTop: '16px' } }, more),
  );

  form.addEventListener('submit', (e) => { e.preventDefault(); state.q = search.value.trim(); reload(); });
  more.addEventListener('click', () => load(false));

  function syncUrl() {
    const p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    if (state.tag) p.set('tag', state.tag);
    const q = p.toString();
    history.replaceState(null, '', `/catalog${q ? `?${q}` : ''}`);
  }

  function renderTags() {
    fill(tagBar, ...[...state.tags].sort().map((t) => {
      const b = h('button', { type: 'button', class: 'tag', 'aria-pressed': String(state.tag === t) }, t);
      b.addEventListener('click', () => { state.tag = state.tag === t ? '' : t; reload(); });
      return b;
    }));
    tagBar.hidden = state.tags.size === 0;
  }

  function card(c) {
    return h('a', { class: 'course-card', href: `/courses/${encodeURIComponent(c.id)}` },
      h('h2', null, c.title || 'Untitled course'),
      c.summary ? h('p', null, c.summary) : null,
      (c.tags || []).length ? h('ul', { class: 'tags' }, c.tags.map((t) => h('li', { class: 'tag' }, t))) : null,
      h('div', { class: 'foot' },
        h('span', null, [c.instructor_name || (c.owner && c.owner.name) || '', c.lesson_count ? `${c.lesson_count} lessons` : ''].filter(Boolean).join(' · ')),
        c.enrolled || c.enrollment_status ? h('span', { class: 'badge ok' }, 'Enrolled') : null));
  }

  async function load(fresh) {
    const p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    if (state.tag) p.set('tag', state.tag);
    if (!fresh && state.cursor) p.set('cursor', state.cursor);
    more.disabled = true;
    status.textContent = 'Loading…';
    const page = await call(`/api/v1/catalog?${p}`);
    const items = itemsOf(page);
    if (fresh) fill(grid);
    fill.add(grid, ...items.map(card));
    for (const c of items) for (const t of c.tags || []) state.tags.add(t);
    if (state.tag) state.tags.add(state.tag);
    renderTags();
    state.cursor = page && page.next_cursor;
    more.hidden = !state.cursor;
    more.disabled = false;
    const n = grid.children.length;
    status.textContent = n === 0
      ? (state.q || state.tag ? 'No course matches. Try other words or clear the tag.' : 'No course has been published yet.')
      : `${n}${state.cursor ? '+' : ''} course${n === 1 ? '' : 's'}${state.q ? ` for “${state.q}”` : ''}${state.tag ? ` tagged ${state.tag}` : ''}`;
  }

  function reload() { state.cursor = null; syncUrl(); return load(true); }
  await load(true);
});
