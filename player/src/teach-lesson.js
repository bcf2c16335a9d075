// Checkpoint editor: /teach/courses/<id>/lessons/<lesson> — the lesson's video
// (the staff playback: the whole video) with a timeline strip of its
// checkpoints (click selects, drag or ← / → moves: PATCH at), "Add checkpoint
// at current time", the selected checkpoint's form (PATCH / DELETE), a learner
// preview of it (the learner's overlay; staff attempts are graded, not
// stored), the lesson's policy (PUT) and its analytics (inline SVG).
// The form logic is lib/checkpointform.js, the chart geometry lib/charts.js.
import { fill, boot, call, h, run, toast, toLogin, showFormError, clearErrors, ApiError } from './lib/app.js';
import { mountPlayer } from './lib/player.js';
import { playbackVideo } from './lib/playback.js';
import { openCheckpointOverlay } from './lib/checkpoints.js';
import { parseThumbnailsVtt, cueAt } from './lib/vtt.js';
import { formatTime } from './lib/format.js';
import { modulesOf, flatLessons } from './lib/outline.js';
import {
  SCORING, KEY_STEP, defaultQuestion, newCheckpointBody, draftOf, checkpointBody, movedAt, learnerView,
} from './lib/checkpointform.js';
import { bars, linePath, ticks, timeToX, xToTime, pct } from './lib/charts.js';
import { field, bind, check, questionsEditor } from './lib/questioneditor.js';

const m = /^\/teach\/courses\/([^/]+)\/lessons\/([^/]+)/.exec(location.pathname) || [];
const courseId = decodeURIComponent(m[1] || '');
const lessonId = decodeURIComponent(m[2] || '');
const courseBase = `/api/v1/courses/${encodeURIComponent(courseId)}`;
const base = `${courseBase}/lessons/${encodeURIComponent(lessonId)}`;

run(async () => {
  await boot();
  const main = document.getElementById('main');
  const course = await call(courseBase);
  const lesson = flatLessons(modulesOf(course)).find((l) => l.id === lessonId) || { id: lessonId, title: 'Lesson' };
  document.title = `Checkpoints · ${lesson.title} · Lectern`;

  let checkpoints = [];   // from the API, with keys, in time order
  let selected = null;    // id
  let draft = null;       // the selected checkpoint as the form edits it
  let pb = null;          // the playback last read
  let cues = [];          // thumbnails
  let overlay = null;     // the preview

  const host = h('div', { class: 'player', id: 'player', dataset: { state: 'loading', paused: 'true', controls: 'shown' } });
  const timeline = h('div', { id: 'cp-timeline', class: 'cp-timeline', role: 'group', 'aria-label': 'Checkpoints on the timeline: click a marker to edit it, drag it or use ← → to move it' });
  const playhead = h('div', { class: 'cp-playhead', 'aria-hidden': 'true' });
  const tip = h('div', { class: 'cp-tip', hidden: true, 'aria-hidden': 'true' });
  const addBtn = h('button', { type: 'button', id: 'cp-add', class: 'primary' }, '+ Add checkpoint at current time');
  const previewBtn = h('button', { type: 'button', id: 'cp-preview', disabled: true }, 'Preview as a learner');
  const formBox = h('section', { class: 'card', id: 'cp-editor', 'aria-labelledby': 'cp-editor-h' });
  const policyBox = h('section', { class: 'card', id: 'policy', 'aria-labelledby': 'policy-h' });
  const analyticsBox = h('section', { class: 'card', id: 'analytics', 'aria-labelledby': 'analytics-h' });

  fill(main,
    h('p', { class: 'small' }, h('a', { href: `/teach/courses/${encodeURIComponent(courseId)}` }, `← ${course.title}`)),
    h('div', { class: 'page-head' }, h('h1', null, `Checkpoints: ${lesson.title}`)),
    h('div', { class: 'cp-grid' },
      h('div', null, host, timeline,
        h('p', { class: 'hint' }, 'Click the strip to seek. Markers: click to edit, drag or focus and press ← → (0.5 s) to move.'),
        h('div', { class: 'row' }, addBtn, previewBtn)),
      formBox),
    policyBox, analyticsBox);

  // ------------------------------------------------------------ the video
  const player = mountPlayer(host, {
    videoId: lesson.video_id || 'lesson',
    documentTitle: false,
    onUnauthorized: toLogin,
    async load() {
      try {
        pb = await call(`${base}/playback`);
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) return { status: 'processing', title: lesson.title };
        throw err;
      }
      loadThumbnails();
      renderTimeline();
      return playbackVideo(pb, lesson.title);
    },
  });
  const duration = () => (pb && Number(pb.duration)) || player.duration() || 0;
  player.on('timeupdate', ({ currentTime }) => { playhead.style.left = `${pct0(currentTime)}%`; });
  player.on('ready', () => renderTimeline());

  async function loadThumbnails() {
    if (!pb || !pb.thumbnails || cues.length) return;
    try {
      const url = new URL(pb.thumbnails, location.href).href;
      const res = await fetch(url, { credentials: 'same-origin' });
      if (res.ok) cues = parseThumbnailsVtt(await res.text(), url);
    } catch { /* no previews */ }
  }

  // ------------------------------------------------------------ timeline
  const pct0 = (t) => (duration() > 0 ? (timeToX(t, duration(), 1) * 100) : 0);

  function renderTimeline() {
    const focused = document.activeElement && document.activeElement.classList.contains('cp-marker') ? document.activeElement.dataset.id : null;
    fill(timeline, playhead, tip, checkpoints.map((cp) => marker(cp)));
    if (focused) { const again = timeline.querySelector(`.cp-marker[data-id="${CSS.escape(focused)}"]`); if (again) again.focus(); }
  }

  function marker(cp) {
    const b = h('button', {
      type: 'button', class: `cp-marker${cp.id === selected ? ' selected' : ''}`, dataset: { id: cp.id, at: String(cp.at) },
      style: { left: `${pct0(cp.at)}%` }, 'aria-pressed': String(cp.id === selected),
      'aria-label': `Checkpoint ${cp.title || ''} at ${formatTime(cp.at)}`.replace('  ', ' '), title: `${cp.title || 'Checkpoint'} · ${formatTime(cp.at)}`,
    });
    let drag = null;
    b.addEventListener('pointerdown', (e) => {
      e.stopPropagation();
      b.setPointerCapture(e.pointerId);
      drag = { x: e.clientX, at: cp.at, moved: false };
    });
    b.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const w = timeline.getBoundingClientRect().width;
      if (Math.abs(e.clientX - drag.x) > 3) drag.moved = true;
      if (!drag.moved) return;
      b.classList.add('dragging');
      drag.at = movedAt(cp.at, w > 0 ? ((e.clientX - drag.x) / w) * duration() : 0, duration());
      b.style.left = `${pct0(drag.at)}%`;
      showTip(drag.at);
    });
    const end = (e) => {
      if (!drag) return;
      const d = drag;
      drag = null;
      b.classList.remove('dragging');
      tip.hidden = true;
      if (e.type === 'pointerup' && d.moved) moveTo(cp, d.at);
      else if (e.type === 'pointerup') select(cp.id);
      else b.style.left = `${pct0(cp.at)}%`;
    };
    b.addEventListener('pointerup', end);
    b.addEventListener('pointercancel', end);
    b.addEventListener('click', (e) => { e.stopPropagation(); if (e.detail === 0) select(cp.id); }); // keyboard Enter/Space
    b.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      e.preventDefault();
      e.stopPropagation();
      moveTo(cp, movedAt(cp.at, e.key === 'ArrowLeft' ? -KEY_STEP : KEY_STEP, duration()));
    });
    return b;
  }

  timeline.addEventListener('click', (e) => {
    if (e.target !== timeline) return;
    const r = timeline.getBoundingClientRect();
    player.seek(xToTime(e.clientX - r.left, duration(), r.width));
  });
  timeline.addEventListener('pointermove', (e) => {
    if (e.target.classList.contains('cp-marker') && e.buttons) return; // the drag shows its own
    const r = timeline.getBoundingClientRect();
    showTip(xToTime(e.clientX - r.left, duration(), r.width));
  });
  timeline.addEventListener('pointerleave', () => { tip.hidden = true; });

  function showTip(t) {
    if (!(duration() > 0)) return;
    const cue = cues.length ? cueAt(cues, t) : null;
    const kids = [];
    if (cue) {
      const w = cue.w || 160;
      const hh = cue.h || 90;
      kids.push(h('div', { class: 'thumb', style: {
        width: `${w}px`, height: `${hh}px`, backgroundImage: `url("${cue.url}")`,
        backgroundPosition: cue.w ? `-${cue.x}px -${cue.y}px` : 'center', backgroundSize: cue.w ? 'auto' : 'cover',
      } }));
    }
    kids.push(h('div', null, formatTime(t)));
    fill(tip, ...kids);
    tip.style.left = `${pct0(t)}%`;
    tip.hidden = false;
  }

  let moving = Promise.resolve();
  function moveTo(cp, at) {
    if (at === cp.at) { renderTimeline(); return; }
    const before = cp.at;
    cp.at = at; // shown at once; put back when the server refuses
    if (cp.id === selected && draft) { draft.at = String(at); const i = formBox.querySelector('[name="at"]'); if (i) i.value = draft.at; }
    renderTimeline();
    moving = moving.then(async () => {
      try {
        const saved = await call(`${base}/checkpoints/${encodeURIComponent(cp.id)}`, { method: 'PATCH', body: { at } });
        replace(saved);
        timeline.dataset.saved = String(Date.now());
      } catch (err) {
        cp.at = before;
        toast(`Could not move the checkpoint: ${err.message}`, 'bad');
      }
      checkpoints.sort((a, b) => a.at - b.at);
      renderTimeline();
      player.setMarkers(checkpoints.map((c) => ({ at: c.at, required: c.required, title: c.title })));
    });
  }

  function replace(saved) {
    const i = checkpoints.findIndex((c) => c.id === saved.id);
    if (i >= 0) checkpoints[i] = saved; else checkpoints.push(saved);
    checkpoints.sort((a, b) => a.at - b.at);
  }

  // ------------------------------------------------------------ list, add
  async function loadCheckpoints() {
    const res = await call(`${base}/checkpoints`);
    checkpoints = (res && res.items) || [];
    checkpoints.sort((a, b) => a.at - b.at);
    renderTimeline();
    player.setMarkers(checkpoints.map((c) => ({ at: c.at, required: c.required, title: c.title })));
  }

  addBtn.addEventListener('click', async () => {
    addBtn.disabled = true;
    try {
      const cp = await call(`${base}/checkpoints`, { method: 'POST', body: newCheckpointBody(player.currentTime()) });
      replace(cp);
      select(cp.id);
      player.setMarkers(checkpoints.map((c) => ({ at: c.at, required: c.required, title: c.title })));
      toast(`Checkpoint added at ${formatTime(cp.at)}`);
      const first = formBox.querySelector('[data-field="questions[0].prompt"]');
      if (first) first.focus();
    } catch (err) {
      toast(`Could not add a checkpoint: ${err.message}`, 'bad');
    } finally {
      addBtn.disabled = false;
    }
  });

  function select(id) {
    selected = id;
    const cp = checkpoints.find((c) => c.id === id);
    draft = cp ? draftOf(cp) : null;
    previewBtn.disabled = !cp;
    renderTimeline();
    renderForm();
  }

  // ------------------------------------------------------------ the form

  function renderForm() {
    if (!draft) {
      fill(formBox, h('h2', { id: 'cp-editor-h' }, 'Checkpoint'), h('p', { class: 'muted' },
        checkpoints.length ? 'Select a marker on the timeline to edit its checkpoint.' : 'No checkpoints yet: play or seek to a moment and add one.'));
      return;
    }
    const d = draft;
    const input = (name, attrs = {}) => bind(d, name, h('input', { id: `cp-f-${name}`, name, type: 'text', value: d[name], ...attrs }));
    const form = h('form', { id: 'cp-form', novalidate: true, dataset: { id: d.id } },
      h('div', { class: 'row' },
        field('At (seconds)', input('at', { inputmode: 'decimal' })),
        field('Title', input('title', { maxlength: '200' }))),
      h('div', { class: 'row' },
        check('cp-f-required', 'Required (the learner cannot go past it unanswered)', d, 'required', { name: 'required' }),
        check('cp-f-must_pass', 'Must pass', d, 'must_pass', { name: 'must_pass' })),
      h('div', { class: 'row' },
        field('Attempts allowed', input('attempts_allowed', { inputmode: 'numeric' }), '0: unlimited'),
        field('Scoring', bind(d, 'scoring', h('select', { id: 'cp-f-scoring', name: 'scoring' }, SCORING.map((s) => h('option', { value: s, selected: d.scoring === s }, `${s} attempt`))))),
        field('Pass score (%)', input('pass_score', { inputmode: 'decimal' })),
        field('On a failed attempt, jump to (s)', input('jump_to', { inputmode: 'decimal', placeholder: 'stay' }), 'Empty: no jump.')),
      h('h3', null, 'Questions'),
      h('div', { dataset: { field: 'questions' } }, questionsEditor(d.questions, renderForm)),
      h('div', { class: 'row' },
        h('button', { type: 'button', id: 'cp-add-question', onclick: () => { d.questions.push(defaultQuestion('single_choice')); renderForm(); } }, '+ Add question')),
      h('div', { class: 'row', style: { marginTop: '12px' } },
        h('button', { type: 'submit', class: 'primary', id: 'cp-save' }, 'Save'),
        h('button', { type: 'button', class: 'danger', id: 'cp-delete', onclick: () => remove(form) }, 'Delete')));
    form.addEventListener('submit', (e) => { e.preventDefault(); save(form); });
    fill(formBox, h('h2', { id: 'cp-editor-h' }, `Checkpoint at ${formatTime(Number(d.at) || 0)}`), form);
  }

  async function save(form) {
    clearErrors(form);
    const { body, error } = checkpointBody(draft, { duration: duration() });
    if (error) { showFormError(form, new ApiError(400, 'invalid', error.message, error.field)); return; }
    const btn = form.querySelector('#cp-save');
    btn.disabled = true;
    try {
      const saved = await call(`${base}/checkpoints/${encodeURIComponent(draft.id)}`, { method: 'PATCH', body });
      replace(saved);
      select(saved.id);
      player.setMarkers(checkpoints.map((c) => ({ at: c.at, required: c.required, title: c.title })));
      formBox.dataset.saved = String(Date.now());
      toast('Checkpoint saved');
    } catch (err) {
      showFormError(form, err);
    } finally {
      btn.disabled = false;
    }
  }

  async function remove(form) {
    if (!confirm('Delete this checkpoint? Its attempts go with it.')) return;
    try {
      await call(`${base}/checkpoints/${encodeURIComponent(draft.id)}`, { method: 'DELETE' });
      checkpoints = checkpoints.filter((c) => c.id !== draft.id);
      select(null);
      player.setMarkers(checkpoints.map((c) => ({ at: c.at, required: c.required, title: c.title })));
      toast('Checkpoint deleted');
    } catch (err) {
      showFormError(form, err);
    }
  }

  // ------------------------------------------------------------ preview
  previewBtn.addEventListener('click', () => {
    const cp = checkpoints.find((c) => c.id === selected);
    if (!cp || !player.layer) return;
    if (overlay) overlay.close();
    player.pause();
    const done = () => { overlay = null; previewBtn.focus(); };
    // the saved checkpoint (unsaved edits are not previewed: the attempt is graded by the server)
    overlay = openCheckpointOverlay({
      layer: player.layer,
      checkpoint: learnerView(cp),
      submit: (answers) => call(`/api/v1/checkpoints/${encodeURIComponent(cp.id)}/attempts`, { method: 'POST', body: { answers } }),
      onContinue: done, onSkip: done, onClose: done,
      onRewatch: (t) => { done(); player.seek(t); },
    });
  });

  // ------------------------------------------------------------ policy
  async function renderPolicy() {
    let p;
    try { p = await call(`${base}/policy`); } catch (err) {
      fill(policyBox, h('h2', { id: 'policy-h' }, 'Policy'), h('p', { class: 'alert' }, err.message));
      return;
    }
    const nav = [['free', 'Free: seek anywhere'], ['no_skip_ahead', 'No skipping ahead of what was watched'], ['no_seek', 'No seeking at all']];
    const form = h('form', { id: 'policy-form', novalidate: true },
      h('div', { class: 'row' },
        field('Navigation', h('select', { id: 'p-navigation', name: 'navigation' }, nav.map(([v, l]) => h('option', { value: v, selected: p.navigation === v }, l)))),
        field('Max speed', h('input', { id: 'p-max_speed', name: 'max_speed', type: 'number', min: '0.25', max: '4', step: '0.25', value: String(p.max_speed || 2) }), '0.25 to 4×'),
        field('Completion threshold (%)', h('input', { id: 'p-completion_threshold', name: 'completion_threshold', type: 'number', min: '0', max: '100', step: '1', value: String(Math.round((p.completion_threshold == null ? 0.9 : p.completion_threshold) * 100)) }), 'Of the video watched.'),
        field('Mastery score (%)', h('input', { id: 'p-mastery_score', name: 'mastery_score', type: 'number', min: '0', max: '100', step: '1', value: p.mastery_score == null ? '' : String(Math.round(p.mastery_score * 100)) }), 'Of the checkpoints’ points; empty: none.')),
      h('button', { type: 'submit', class: 'primary', id: 'policy-save' }, 'Save policy'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearErrors(form);
      const d = Object.fromEntries(new FormData(form));
      const speed = Number(d.max_speed);
      const threshold = Number(d.completion_threshold);
      const mastery = String(d.mastery_score).trim() === '' ? null : Number(d.mastery_score);
      const bad = !(speed >= 0.25 && speed <= 4) ? ['max_speed', 'From 0.25 to 4.']
        : !(threshold >= 0 && threshold <= 100) ? ['completion_threshold', 'A percentage from 0 to 100.']
          : mastery !== null && !(mastery >= 0 && mastery <= 100) ? ['mastery_score', 'A percentage from 0 to 100, or empty.'] : null;
      if (bad) { showFormError(form, new ApiError(400, 'invalid', bad[1], bad[0])); return; }
      const btn = form.querySelector('#policy-save');
      btn.disabled = true;
      try {
        await call(`${base}/policy`, { method: 'PUT', body: { navigation: d.navigation, max_speed: speed, completion_threshold: threshold / 100, mastery_score: mastery === null ? null : mastery / 100 } });
        form.dataset.saved = String(Date.now());
        toast('Policy saved');
      } catch (err) {
        showFormError(form, err);
      } finally {
        btn.disabled = false;
      }
    });
    fill(policyBox, h('h2', { id: 'policy-h' }, 'Policy'), form);
  }

  // ------------------------------------------------------------ analytics
  const SVG = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, ...kids) => {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
    for (const c of kids.flat()) if (c) n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return n;
  };
  const W = 600, H = 120, L = 32, B = 16;

  function timeAxis(a) {
    const dur = Number(a.duration) || 0;
    return ticks(dur, 5).map((t) => s('text', { x: L + timeToX(t, dur, W), y: H + B - 2, 'text-anchor': 'middle' }, formatTime(t)));
  }

  function heatmap(a) {
    const values = a.heatmap || [];
    const top = Math.max(1, ...values);
    const rects = bars(values, { width: W, height: H, max: top });
    const b = Number(a.bucket) || 1;
    return s('svg', { id: 'analytics-heatmap', class: 'chart', viewBox: `0 0 ${L + W + 4} ${H + B}`, role: 'img', 'aria-label': `Watch heatmap: learners who watched each ${b} s of the video, at most ${Math.max(0, ...values)}` },
      ticks(top, 3).map((v) => s('text', { x: L - 4, y: H - (v / top) * H + 3, 'text-anchor': 'end' }, String(v))),
      s('line', { class: 'axis', x1: L, y1: H, x2: L + W, y2: H }),
      rects.map((r) => s('rect', { class: 'bar', x: L + r.x, y: r.y, width: Math.max(0.5, r.w), height: r.h }, s('title', null, `${formatTime(r.index * b)}: ${r.value} learner${r.value === 1 ? '' : 's'}`))),
      timeAxis(a));
  }

  function dropoff(a) {
    const values = a.drop_off || [];
    return s('svg', { id: 'analytics-dropoff', class: 'chart', viewBox: `0 0 ${L + W + 4} ${H + B}`, role: 'img', 'aria-label': `Drop-off: share of learners who got this far; ${pct(values[values.length - 1])} reached the end` },
      [0, 0.5, 1].map((v) => s('text', { x: L - 4, y: H - v * H + 3, 'text-anchor': 'end' }, `${v * 100}%`)),
      s('line', { class: 'axis', x1: L, y1: H, x2: L + W, y2: H }),
      s('path', { class: 'line', d: linePath(values, { width: W, height: H }), transform: `translate(${L} 0)` }),
      timeAxis(a));
  }

  async function renderAnalytics() {
    let a;
    try { a = await call(`${base}/analytics`); } catch (err) {
      fill(analyticsBox, h('h2', { id: 'analytics-h' }, 'Analytics'), h('p', { class: 'alert' }, err.message));
      return;
    }
    const qs = a.questions || [];
    fill(analyticsBox,
      h('h2', { id: 'analytics-h' }, 'Analytics'),
      h('p', { class: 'muted' }, `${a.learners || 0} learner${a.learners === 1 ? '' : 's'} watched.`),
      h('h3', null, 'Watch heatmap'), heatmap(a),
      h('h3', null, 'Drop-off'), dropoff(a),
      h('h3', null, 'Questions'),
      h('table', { id: 'analytics-questions' },
        h('thead', null, h('tr', null, ['At', 'Question', 'Answered', 'Difficulty (right at first try)', 'Discrimination', 'Most common wrong answers'].map((t) => h('th', null, t)))),
        h('tbody', null, qs.length ? qs.map((q) => h('tr', { dataset: { questionId: q.question_id, checkpointId: q.checkpoint_id } },
          h('td', null, formatTime(q.at || 0)),
          h('td', null, q.prompt || ''),
          h('td', null, String(q.answered || 0)),
          h('td', null, pct(q.difficulty)),
          h('td', null, q.discrimination == null ? '—' : Number(q.discrimination).toFixed(2)),
          h('td', null, (q.wrong_answers || []).length ? (q.wrong_answers || []).slice(0, 3).map((w) => `${w.response} (${w.count})`).join(', ') : '—')))
          : h('tr', null, h('td', { colspan: '6', class: 'muted' }, 'No questions answered yet.')))));
  }

  renderForm();
  await loadCheckpoints();
  renderPolicy();
  renderAnalytics();
});
