// Form parts the admin pages share: a labelled field and the values of a
// checkbox group.
import { h } from './app.js';

/** A .field: label (for control.id), the control, an optional hint. */
export const field = (label, control, hint) => h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hint ? h('p', { class: 'hint' }, hint) : null);

/** The values of form's checked checkboxes named name, in document order. */
export const checkedValues = (form, name) => [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
