// Course editor: /teach/courses/<id> — details (PATCH), status (publish /
// archive), modules and lessons (add / rename / delete), lessons from the
// instructor's ready videos or markdown text, reorder by drag and drop or the
// move up/down buttons (PUT /outline), prerequisites, and the enrollees.
import { fill, boot, call, h, run, onSubmit, toast, listAll, formatDate, progressBar, ApiError } from './lib/app.js';
import { modulesOf, moveLesson, moveModule, stepLesson, dropIndex, outlineBody, sameOrder, flatLessons, findLesson } from './lib/outline.js';
import { parseTags, enrolleeView } from './lib/model.js';
import { formatTime } from './lib/format.js';

const courseId = decodeURIComponent((/^\/teach\/courses\/([^/]+)/.exec(location.pathname) || [])[1] || '');
const base = `/api/v1/courses/${encodeURIComponent(courseId)}`;

run(async () => {
  await boot();
  const main = document.getElementById('main');
  let course = await call(base);
  let modules = modulesOf(course);
  let videos = null; // ready videos, loaded when a lesson dialog first needs them

  const statusBox = h('div', { class: 'row', id: 'status-box' });
  const outlineBox = h('div', { id: 'outline' });
  const live = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', id: 'outline-live' });
  const enrolleesBox = h('section', { class: 'card', id: 'enrollees', 'aria-labelledby': 'enrollees-h' });

  // ------------------------------------------------------------ details
  const details = h('form', { id: 'details', class: 'card', novalidate: true },
    h('h2', null, 'Details'),
    field('Title', h('input', { id: 'f-title', name: 'title', type: 'text', maxlength: '200', required: true, value: course.title || '' })),
    field('Summary', h('input', { id: 'f-summary', name: 'summary', type: 'text', maxlength: '1000', value: course.summary || '' }), 'One line shown in the catalog.'),
    field('Description', h('textarea', { id: 'f-description', name: 'description', rows: '7' }, course.description || ''), 'Markdown. Searchable in the catalog.'),
    field('Tags', h('input', { id: 'f-tags', name: 'tags', type: 'text', value: (course.tags || []).join(', ') }), 'Comma-separated, e.g. safety, onboarding.'),
    field('Enrollment', h('select', { id: 'f-enrollment', name: 'enrollment' },
      h('option', { value: 'open', selected: course.enrollment !== 'invite' }, 'Open — learners enroll themselves'),
      h('option', { value: 'invite', selected: course.enrollment === 'invite' }, 'Invite only — staff enroll learners'))),
    h('button', { type: 'submit', class: 'primary', id: 'save-details' }, 'Save details'));
  onSubmit(details, async (d) => {
    course = await call(base, { method: 'PATCH', body: { title: d.title.trim(), summary: d.summary.trim(), description: d.description, tags: parseTags(d.tags), enrollment: d.enrollment } });
    renderHead();
    toast('Details saved');
  });

  function field(label, control, hint) {
    const id = control.id;
    return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('p', { class: 'hint' }, hint) : null);
  }

  // ------------------------------------------------------------ status
  function renderHead() {
    document.title = `${course.title} · Edit · Lectern`;
    const s = course.status || 'draft';
    const btn = (label, status, cls = '') => {
      const b = h('button', { type: 'button', class: cls, id: `status-${status}` }, label);
      b.addEventListener('click', async () => {
        if (status === 'archived' && !confirm('Archive this course? It leaves the catalog; enrolled learners keep their progress.')) return;
        b.disabled = true;
        try {
          course = await call(base, { method: 'PATCH', body: { status } });
          toast(status === 'published' ? 'Published: the course is in the catalog' : status === 'archived' ? 'Archived' : 'Back to draft');
          renderHead();
        } catch (err) {
          toast(err.message, 'bad');
          b.disabled = false;
        }
      });
      return b;
    };
    fill(statusBox, 
      h('span', { class: `badge ${s}`, id: 'course-status' }, s),
      s !== 'published' ? btn(s === 'archived' ? 'Republish' : 'Publish', 'published', 'primary') : btn('Unpublish', 'draft'),
      s !== 'archived' ? btn('Archive', 'archived', 'danger') : null,
      s === 'published' ? h('a', { href: `/courses/${encodeURIComponent(course.id)}` }, 'View in catalog') : null);
    const t = document.getElementById('course-heading');
    if (t) t.textContent = course.title;
  }

  // ------------------------------------------------------------ outline
  async function reload() {
    course = await call(base);
    modules = modulesOf(course);
    renderOutline();
  }

  async function saveOrder(next, message) {
    if (sameOrder(next, modules)) return;
    const before = modules;
    modules = next;
    renderOutline();
    try {
      const res = await call(`${base}/outline`, { method: 'PUT', body: outlineBody(next) });
      if (res && (res.modules || res.outline)) { course = { ...course, ...res }; modules = modulesOf(res.modules ? res : { modules: res.outline.modules || res.outline }); renderOutline(); }
      live.textContent = message || 'Order saved';
      outlineBox.dataset.saved = String(Date.now());
    } catch (err) {
      modules = before;
      renderOutline();
      toast(`Could not save the order: ${err.message}`, 'bad');
    }
  }

  let drag = null; // {type:'lesson'|'module', id}
  function clearDropMarks() {
    for (const e of outlineBox.querySelectorAll('.drop-before, .drop-after, .drop-target')) e.classList.remove('drop-before', 'drop-after', 'drop-target');
  }

  function renderOutline() {
    const focusKey = document.activeElement && document.activeElement.dataset && document.activeElement.dataset.focusKey;
    fill(outlineBox, ...modules.map((m, mi) => moduleEl(m, mi)),
      modules.length ? null : h('p', { class: 'muted' }, 'No modules yet. Add one below; lessons go into modules.'));
    if (focusKey) {
      const again = outlineBox.querySelector(`[data-focus-key="${focusKey}"]`);
      if (again && !again.disabled) again.focus();
    }
    renderEnrollees.outlineChanged && renderEnrollees.outlineChanged();
  }

  function moduleEl(m, mi) {
    const sec = h('section', { class: 'editor-module', draggable: 'true', dataset: { moduleId: m.id }, 'aria-label': `Module ${mi + 1}: ${m.title}` });
    const titleEl = h('span', { class: 'mod-title' }, m.title);
    const upBtn = h('button', { type: 'button', class: 'icon', 'aria-label': `Move module ${m.title} up`, disabled: mi === 0, dataset: { focusKey: `mup-${m.id}` } }, '↑');
    const downBtn = h('button', { type: 'button', class: 'icon', 'aria-label': `Move module ${m.title} down`, disabled: mi === modules.length - 1, dataset: { focusKey: `mdown-${m.id}` } }, '↓');
    upBtn.addEventListener('click', () => saveOrder(moveModule(modules, m.id, mi - 1), `${m.title} moved up`));
    downBtn.addEventListener('click', () => saveOrder(moveModule(modules, m.id, mi + 1), `${m.title} moved down`));
    const rename = h('button', { type: 'button', class: 'icon', 'aria-label': `Rename module ${m.title}` }, 'Rename');
    rename.addEventListener('click', () => renameModule(m));
    const prereq = h('button', { type: 'button', class: 'icon', 'aria-label': `Prerequisites of module ${m.title}` }, m.prerequisites.length ? `Requires ${m.prerequisites.length}` : 'Prerequisites');
    prereq.addEventListener('click', () => modulePrereqs(m));
    const del = h('button', { type: 'button', class: 'icon danger', 'aria-label': `Delete module ${m.title}` }, 'Delete');
    del.addEventListener('click', async () => {
      if (!confirm(`Delete the module “${m.title}”${m.lessons.length ? ` and its ${m.lessons.length} lesson(s)` : ''}?`)) return;
      try { await call(`${base}/modules/${encodeURIComponent(m.id)}`, { method: 'DELETE' }); toast('Module deleted'); await reload(); } catch (err) { toast(err.message, 'bad'); }
    });
    const add = h('button', { type: 'button', class: 'add-lesson', dataset: { moduleId: m.id } }, '+ Add lesson');
    add.addEventListener('click', () => lessonDialog(m, null));

    const ul = h('ol', { class: 'editor-lessons', dataset: { moduleId: m.id }, 'aria-label': `Lessons of ${m.title}` }, m.lessons.map((l, li) => lessonEl(m, mi, l, li)));
    ul.addEventListener('dragover', (e) => {
      if (!drag || drag.type !== 'lesson') return;
      e.preventDefault();
      if (e.target === ul) { clearDropMarks(); ul.classList.add('drop-target'); }
    });
    ul.addEventListener('drop', (e) => {
      if (!drag || drag.type !== 'lesson' || e.target !== ul) return;
      e.preventDefault();
      const from = findLesson(modules, drag.id);
      const sameList = from && modules[from.mi].id === m.id;
      saveOrder(moveLesson(modules, drag.id, m.id, sameList ? m.lessons.length - 1 : m.lessons.length), 'Lesson moved');
    });

    sec.addEventListener('dragstart', (e) => {
      if (e.target !== sec) return;
      drag = { type: 'module', id: m.id };
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', m.id);
      sec.classList.add('dragging');
    });
    sec.addEventListener('dragend', () => { drag = null; sec.classList.remove('dragging'); clearDropMarks(); });
    sec.addEventListener('dragover', (e) => {
      if (!drag || drag.type !== 'module' || drag.id === m.id) return;
      e.preventDefault();
      const r = sec.getBoundingClientRect();
      clearDropMarks();
      sec.classList.add(e.clientY < r.top + r.height / 2 ? 'drop-before' : 'drop-after');
    });
    sec.addEventListener('drop', (e) => {
      if (!drag || drag.type !== 'module') return;
      e.preventDefault();
      const r = sec.getBoundingClientRect();
      const from = modules.findIndex((x) => x.id === drag.id);
      saveOrder(moveModule(modules, drag.id, dropIndex(from, mi, e.clientY < r.top + r.height / 2)), 'Module moved');
    });

    fill.add(sec, 
      h('div', { class: 'mod-head' }, h('span', { class: 'drag-handle', 'aria-hidden': 'true', title: 'Drag to reorder' }, '⠿'), titleEl, upBtn, downBtn, rename, prereq, del),
      ul, h('div', { class: 'row', style: { marginTop: '6px' } }, add));
    return sec;
  }

  function lessonEl(m, mi, l, li) {
    const flat = flatLessons(modules);
    const fi = flat.findIndex((x) => x.id === l.id);
    const row = h('li', { class: 'editor-lesson', draggable: 'true', dataset: { lessonId: l.id, kind: l.kind } });
    const up = h('button', { type: 'button', class: 'icon', 'aria-label': `Move ${l.title} up`, disabled: fi === 0, dataset: { focusKey: `up-${l.id}` } }, '↑');
    const down = h('button', { type: 'button', class: 'icon', 'aria-label': `Move ${l.title} down`, disabled: fi === flat.length - 1, dataset: { focusKey: `down-${l.id}` } }, '↓');
    up.addEventListener('click', () => saveOrder(stepLesson(modules, l.id, -1), `${l.title} moved up`));
    down.addEventListener('click', () => saveOrder(stepLesson(modules, l.id, 1), `${l.title} moved down`));
    const edit = h('button', { type: 'button', class: 'icon', 'aria-label': `Edit ${l.title}` }, 'Edit');
    const checkpointsLink = l.kind === 'video'
      ? h('a', { class: 'icon small', href: `/teach/courses/${encodeURIComponent(course.id)}/lessons/${encodeURIComponent(l.id)}`, 'aria-label': `Checkpoints of ${l.title}`, dataset: { checkpoints: l.id } }, 'Checkpoints')
      : l.kind === 'quiz'
        ? h('a', { class: 'icon small', href: `/teach/courses/${encodeURIComponent(course.id)}/quizzes/${encodeURIComponent(l.id)}`, 'aria-label': `Questions of ${l.title}`, dataset: { quiz: l.id } }, 'Questions')
        : null;
    edit.addEventListener('click', () => lessonDialog(m, l));
    const del = h('button', { type: 'button', class: 'icon danger', 'aria-label': `Delete ${l.title}` }, 'Delete');
    del.addEventListener('click', async () => {
      if (!confirm(`Delete the lesson “${l.title}”?`)) return;
      try { await call(`${base}/lessons/${encodeURIComponent(l.id)}`, { method: 'DELETE' }); toast('Lesson deleted'); await reload(); } catch (err) { toast(err.message, 'bad'); }
    });
    row.addEventListener('dragstart', (e) => {
      e.stopPropagation();
      drag = { type: 'lesson', id: l.id };
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', l.id);
      row.classList.add('dragging');
    });
    row.addEventListener('dragend', () => { drag = null; row.classList.remove('dragging'); clearDropMarks(); });
    row.addEventListener('dragover', (e) => {
      if (!drag || drag.type !== 'lesson' || drag.id === l.id) return;
      e.preventDefault();
      e.stopPropagation();
      const r = row.getBoundingClientRect();
      clearDropMarks();
      row.classList.add(e.clientY < r.top + r.height / 2 ? 'drop-before' : 'drop-after');
    });
    row.addEventListener('drop', (e) => {
      if (!drag || drag.type !== 'lesson') return;
      e.preventDefault();
      e.stopPropagation();
      if (drag.id === l.id) return;
      const r = row.getBoundingClientRect();
      const from = findLesson(modules, drag.id);
      const fromIndex = from && from.mi === mi ? from.li : -1;
      saveOrder(moveLesson(modules, drag.id, m.id, dropIndex(fromIndex, li, e.clientY < r.top + r.height / 2)), 'Lesson moved');
    });
    const video = l.kind === 'video' && videos ? videos.find((v) => v.id === l.video_id) : null;
    fill.add(row, 
      h('span', { class: 'drag-handle', 'aria-hidden': 'true', title: 'Drag to reorder' }, '⠿'),
      h('span', { class: 'title' }, l.title),
      h('span', { class: 'badge' }, l.kind === 'text' ? 'Text' : l.kind === 'quiz' ? 'Quiz' : `Video${video && video.duration ? ` · ${formatTime(video.duration)}` : ''}`),
      l.prerequisites.length ? h('span', { class: 'badge', title: 'Has prerequisites' }, `🔒 ${l.prerequisites.length}`) : null,
      up, down, checkpointsLink, edit, del);
    return row;
  }

  // ------------------------------------------------------------ dialogs
  function dialog(title, build, submit) {
    const dlg = h('dialog', { 'aria-labelledby': 'dlg-title' });
    const form = h('form', { novalidate: true });
    const cancel = h('button', { type: 'button' }, 'Cancel');
    cancel.addEventListener('click', () => dlg.close());
    fill.add(form, h('h2', { id: 'dlg-title' }, title), ...build(form), h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', id: 'dlg-submit' }, 'Save'), cancel));
    onSubmit(form, async (data) => { await submit(data, form); dlg.close(); });
    fill.add(dlg, form);
    dlg.addEventListener('close', () => dlg.remove());
    document.body.append(dlg);
    dlg.showModal();
    return { dlg, form };
  }

  function renameModule(m) {
    dialog('Rename module', () => [field('Title', h('input', { id: 'd-title', name: 'title', type: 'text', value: m.title, maxlength: '200', required: true }))], async (d) => {
      await call(`${base}/modules/${encodeURIComponent(m.id)}`, { method: 'PATCH', body: { title: d.title.trim() } });
      toast('Module renamed');
      await reload();
    });
  }

  function multiSelect(id, name, label, options, selected, hint) {
    const sel = h('select', { id, name, multiple: true, size: String(Math.min(8, Math.max(3, options.length))) },
      options.map((o) => h('option', { value: o.id, selected: selected.includes(o.id) }, o.label)));
    return field(label, sel, hint);
  }
  const selectedValues = (form, name) => [...form.querySelector(`[name="${name}"]`).selectedOptions].map((o) => o.value);

  function modulePrereqs(m) {
    const others = modules.filter((x) => x.id !== m.id).map((x) => ({ id: x.id, label: x.title }));
    dialog(`Prerequisites of “${m.title}”`, () => [
      others.length ? multiSelect('d-mprereq', 'prerequisites', 'Modules to finish first', others, m.prerequisites, 'Ctrl/⌘-click to choose several.') : h('p', { class: 'muted' }, 'There is no other module.'),
    ], async (d, form) => {
      const prerequisites = others.length ? selectedValues(form, 'prerequisites') : [];
      await call(`${base}/modules/${encodeURIComponent(m.id)}`, { method: 'PATCH', body: { prerequisites } });
      toast('Prerequisites saved');
      await reload();
    });
  }

  async function readyVideos() {
    if (!videos) {
      videos = (await listAll('/api/v1/videos?limit=200', 1000)).filter((v) => v.status === 'ready');
    }
    return videos;
  }

  async function lessonDialog(m, l) {
    let vids = [];
    try { vids = await readyVideos(); } catch (err) { toast(`Could not list your videos: ${err.message}`, 'bad'); }
    const isNew = !l;
    const kind = h('select', { id: 'd-kind', name: 'kind', disabled: !isNew },
      h('option', { value: 'video', selected: !l || l.kind === 'video' }, 'Video'),
      h('option', { value: 'text', selected: l && l.kind === 'text' }, 'Text (markdown)'),
      h('option', { value: 'quiz', selected: l && l.kind === 'quiz' }, 'Quiz'));
    const videoSel = h('select', { id: 'd-video', name: 'video_id' },
      h('option', { value: '' }, vids.length ? 'Choose a ready video…' : 'No ready video yet'),
      vids.map((v) => h('option', { value: v.id, selected: l && l.video_id === v.id }, `${v.title || 'Untitled'}${v.duration ? ` (${formatTime(v.duration)})` : ''}`)));
    const videoField = field('Video', videoSel);
    videoField.append(h('p', { class: 'hint' }, 'Only ready videos can be used. ', h('a', { href: '/upload', target: '_blank', rel: 'noopener' }, 'Upload a new video'), ' (opens in a new tab), then reopen this dialog.'));
    const bodyField = field('Body', h('textarea', { id: 'd-body', name: 'body', rows: '10' }, (l && l.body) || ''), 'Markdown: headings, lists, links, code.');
    const others = flatLessons(modules).filter((x) => !l || x.id !== l.id).map((x) => ({ id: x.id, label: x.title }));
    const sync = () => {
      const k = kind.value;
      videoField.hidden = k !== 'video';
      bodyField.hidden = k === 'video'; // a quiz's body is its instructions
    };
    kind.addEventListener('change', sync);
    const { form } = dialog(isNew ? `Add a lesson to “${m.title}”` : `Edit “${l.title}”`, () => [
      field('Type', kind),
      field('Title', h('input', { id: 'd-title', name: 'title', type: 'text', maxlength: '200', required: true, value: (l && l.title) || '' })),
      videoField, bodyField,
      !isNew && others.length ? multiSelect('d-prereq', 'prerequisites', 'Lessons to finish first', others, l.prerequisites, 'Ctrl/⌘-click to choose several. A lesson cannot require itself, directly or not.') : null,
    ], async (d, f) => {
      const k = isNew ? d.kind : l.kind;
      const body = { title: (d.title || '').trim() };
      if (!body.title) throw new ApiError(400, 'invalid', 'Give the lesson a title.', 'title');
      if (k === 'video') {
        if (!d.video_id) throw new ApiError(400, 'invalid', 'Choose a ready video.', 'video_id');
        body.video_id = d.video_id;
      } else {
        body.body = d.body || '';
      }
      if (isNew) {
        const made = await call(`${base}/lessons`, { method: 'POST', body: { module_id: m.id, kind: k, ...body } });
        toast('Lesson added');
        if (k === 'quiz') { // on to its questions
          location.assign(`/teach/courses/${encodeURIComponent(course.id)}/quizzes/${encodeURIComponent(made.id)}`);
          return;
        }
      } else {
        if (f.querySelector('[name="prerequisites"]')) body.prerequisites = selectedValues(f, 'prerequisites');
        await call(`${base}/lessons/${encodeURIComponent(l.id)}`, { method: 'PATCH', body });
        toast('Lesson saved');
      }
      await reload();
    });
    form.id = 'lesson-form';
    sync();
  }

  // ------------------------------------------------------------ add module
  const addModule = h('form', { id: 'add-module', class: 'row', novalidate: true },
    h('label', { for: 'new-module-title', class: 'visually-hidden' }, 'New module title'),
    h('div', { class: 'field', style: { flex: '1', margin: '0' } }, h('input', { id: 'new-module-title', name: 'title', type: 'text', placeholder: 'New module title', maxlength: '200' })),
    h('button', { type: 'submit', id: 'add-module-btn' }, '+ Add module'));
  onSubmit(addModule, async (d) => {
    const title = (d.title || '').trim();
    if (!title) throw new ApiError(400, 'invalid', 'Give the module a title.', 'title');
    await call(`${base}/modules`, { method: 'POST', body: { title } });
    addModule.reset();
    toast('Module added');
    await reload();
  });

  // ------------------------------------------------------------ enrollees
  async function renderEnrollees() {
    let rows;
    try {
      rows = (await listAll(`${base}/enrollments?limit=200`, 1000)).map(enrolleeView);
    } catch (err) {
      fill(enrolleesBox, h('h2', { id: 'enrollees-h' }, 'Enrollees'), h('p', { class: 'alert' }, err.message));
      return;
    }
    const enroll = h('form', { id: 'enroll-someone', class: 'row', novalidate: true, style: { alignItems: 'flex-end' } },
      h('div', { class: 'field', style: { flex: '2', minWidth: '200px' } }, h('label', { for: 'e-email' }, 'Enroll by email'), h('input', { id: 'e-email', name: 'email', type: 'email' })),
      h('div', { class: 'field', style: { flex: '1', minWidth: '140px' } }, h('label', { for: 'e-due' }, 'Due date ', h('span', { class: 'muted' }, '(optional)')), h('input', { id: 'e-due', name: 'due_at', type: 'date' })),
      h('div', { class: 'field' }, h('button', { type: 'submit' }, 'Enroll')));
    onSubmit(enroll, async (d) => {
      const body = { email: (d.email || '').trim() };
      if (d.due_at) body.due_at = new Date(`${d.due_at}T23:59:59`).toISOString();
      await call(`${base}/enrollments`, { method: 'POST', body });
      toast('Enrolled');
      await renderEnrollees();
    });
    fill(enrolleesBox, 
      h('div', { class: 'spread' }, h('h2', { id: 'enrollees-h' }, `Enrollees (${rows.length})`), h('a', { href: `/admin#bulk`, class: 'small' }, 'Bulk enroll from a CSV')),
      rows.length ? h('table', null,
        h('thead', null, h('tr', null, h('th', null, 'Learner'), h('th', null, 'Status'), h('th', null, 'Progress'), h('th', null, 'Due'))),
        h('tbody', null, rows.map((r) => h('tr', null,
          h('td', null, r.name || r.email, r.name ? h('div', { class: 'muted small' }, r.email) : null),
          h('td', null, h('span', { class: `badge ${r.status}` }, r.status)),
          h('td', { style: { minWidth: '140px' } }, progressBar(r.percent, `${r.name || r.email}: progress`), h('span', { class: 'muted small' }, `${Math.round(r.percent)}%`)),
          h('td', { class: 'muted' }, formatDate(r.dueAt) || '—'))))) : h('p', { class: 'muted' }, 'Nobody is enrolled yet.'),
      enroll);
  }

  // ------------------------------------------------------------ page
  fill(main, 
    h('p', { class: 'small' }, h('a', { href: '/teach' }, '← My courses')),
    h('div', { class: 'page-head' }, h('h1', { id: 'course-heading' }, course.title), statusBox),
    h('div', { class: 'editor-grid' },
      h('div', null, details),
      h('section', { class: 'card', 'aria-labelledby': 'outline-h' },
        h('h2', { id: 'outline-h' }, 'Outline'),
        h('p', { class: 'hint' }, 'Drag modules and lessons to reorder them, or use the ↑ ↓ buttons. The order is saved at once.'),
        live, outlineBox, addModule)),
    enrolleesBox);
  renderHead();
  renderOutline();
  renderEnrollees();
  // durations on the video lessons, once the videos are known
  readyVideos().then(renderOutline).catch(() => {});
});
