// The question editor of the checkpoint editor (teach-lesson.js) and the
// quiz editor (teach-quiz.js): every question of a draft list
// (checkpointform.js's draftQuestion) with its type, points, prompt, options
// (correct flags and feedback; ordering: in the correct order), numeric
// answer and tolerance, accepted short answers, hint and explanation. It
// edits the draft in place and calls rerender after a change of structure
// (a type, an added or removed option or question).
import { h, fill } from './app.js';
import { QUESTION_TYPES, TYPE_LABELS, changeType } from './checkpointform.js';

export function field(label, control, hint) {
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hint ? h('p', { class: 'hint' }, hint) : null);
}

export const bind = (obj, key, el, prop = 'value') => { el.addEventListener(prop === 'checked' ? 'change' : 'input', () => { obj[key] = el[prop]; }); return el; };

export const check = (id, label, obj, key, attrs) => h('div', { class: 'field' }, h('label', { for: id },
  bind(obj, key, h('input', { type: 'checkbox', id, ...attrs, checked: !!obj[key] }), 'checked'), ` ${label}`));

/** The fieldsets of questions (ids cp-question-<i>, cp-q<i>-…). */
export function questionsEditor(questions, rerender) {
  return questions.map((q, i) => questionEl(questions, q, i, rerender));
}

function questionEl(questions, q, i, rerender) {
  const f = `questions[${i}]`;
  const id = (s) => `cp-q${i}-${s}`;
  const text = (key, label, attrs = {}) => field(label, bind(q, key, h(attrs.rows ? 'textarea' : 'input', { id: id(key), type: attrs.rows ? null : 'text', dataset: { field: `${f}.${key}` }, value: attrs.rows ? null : q[key], ...attrs }, attrs.rows ? q[key] : null)));
  const type = h('select', { id: id('type'), dataset: { field: `${f}.type` } }, QUESTION_TYPES.map((t) => h('option', { value: t, selected: q.type === t }, TYPE_LABELS[t])));
  type.addEventListener('change', () => { questions[i] = changeType(q, type.value); rerender(); });
  const removeBtn = h('button', { type: 'button', class: 'icon danger', 'aria-label': `Remove question ${i + 1}`, onclick: () => { questions.splice(i, 1); rerender(); } }, 'Remove');
  const parts = [
    h('div', { class: 'spread' }, h('strong', null, `Question ${i + 1}`), removeBtn),
    h('div', { class: 'row' }, field('Type', type), text('points', 'Points', { inputmode: 'decimal' })),
    text('prompt', 'Prompt', { rows: '2' }),
  ];
  if (q.type === 'numeric') {
    parts.push(h('div', { class: 'row' }, text('answer', 'Answer', { inputmode: 'decimal' }), text('tolerance', 'Tolerance (±)', { inputmode: 'decimal' })));
  } else if (q.type === 'short_text') {
    parts.push(text('accepted', 'Accepted answers (one per line)', { rows: '3' }), check(id('case'), 'Case sensitive', q, 'case_sensitive', { dataset: { field: `${f}.case_sensitive` } }));
  } else {
    parts.push(optionsEl(q, i, f, rerender));
  }
  parts.push(text('hint', 'Hint (optional)'), text('explanation', 'Explanation, shown after answering (optional)', { rows: '2' }));
  return h('fieldset', { class: 'cp-question', id: `cp-question-${i}`, dataset: { type: q.type } }, ...parts);
}

function optionsEl(q, i, f, rerender) {
  const of = `${f}.options`;
  const tf = q.type === 'true_false';
  const ordering = q.type === 'ordering';
  const radio = q.type === 'single_choice' || tf;
  const rows = q.options.map((o, k) => {
    const row = h('div', { class: `cp-option-row${ordering ? ' ordering' : ''}` });
    const txt = bind(o, 'text', h('input', { type: 'text', id: `cp-q${i}-opt${k}`, 'aria-label': `Option ${k + 1}`, dataset: { field: `${of}[${k}].text` }, value: o.text }));
    if (ordering) {
      const mv = (dir) => h('button', { type: 'button', class: 'icon', 'aria-label': `Move option ${k + 1} ${dir < 0 ? 'up' : 'down'}`, disabled: dir < 0 ? k === 0 : k === q.options.length - 1,
        onclick: () => { const [x] = q.options.splice(k, 1); q.options.splice(k + dir, 0, x); rerender(); } }, dir < 0 ? '↑' : '↓');
      fill.add(row, h('span', { class: 'muted' }, `${k + 1}.`), txt, mv(-1), mv(1), removeOpt(q, k, rerender));
    } else {
      const c = h('input', { type: radio ? 'radio' : 'checkbox', name: `cp-q${i}-correct`, 'aria-label': `Option ${k + 1} is correct`, checked: !!o.correct });
      c.addEventListener('change', () => { if (radio) q.options.forEach((x, j) => { x.correct = j === k; }); else o.correct = c.checked; });
      const fb = bind(o, 'feedback', h('input', { type: 'text', 'aria-label': `Feedback for option ${k + 1}`, placeholder: 'Feedback (optional)', dataset: { field: `${of}[${k}].feedback` }, value: o.feedback }));
      fill.add(row, h('label', { title: 'Correct' }, c), txt, fb, tf ? h('span') : removeOpt(q, k, rerender));
    }
    return row;
  });
  return h('div', { class: 'field', dataset: { field: of } },
    h('p', { class: 'hint' }, tf ? 'The first option means true, the second false; pick the correct one.' : ordering ? 'List the options in the correct order; learners get them shuffled.' : radio ? 'Pick the one correct option.' : 'Tick every correct option.'),
    rows,
    tf ? null : h('button', { type: 'button', class: 'icon', onclick: () => { q.options.push({ id: '', text: '', correct: false, feedback: '' }); rerender(); } }, '+ Option'));
}

function removeOpt(q, k, rerender) {
  return h('button', { type: 'button', class: 'icon danger', 'aria-label': `Remove option ${k + 1}`, disabled: q.options.length <= 2, onclick: () => { q.options.splice(k, 1); rerender(); } }, '×');
}

