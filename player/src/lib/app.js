// What every page of the web UI shares: who is signed in (GET /api/v1/me), the
// header nav by role, sign-out, a tiny element builder, and API errors shown
// next to the field they name.
import { api, ApiError } from './api.js';
import { navFor, loginUrl, allowed } from './nav.js';

export { api, ApiError };

/**
 * h('a', {href, class, onclick, dataset:{}}, ...children) → element. Strings are
 * text (never HTML); null/false children are skipped; arrays are flattened.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** Replace el's children (null/false skipped, strings as text, arrays flattened). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}
/** Append to el like h() does (null/false skipped). */
fill.add = (el, ...children) => { append(el, children); return el; };

/** Send the visitor to sign in and back here. */
export function toLogin() {
  location.assign(loginUrl(location));
}

/** api() that sends a signed-out visitor to /login?next=… instead of failing. */
export async function call(path, opts) {
  try {
    return await api(path, opts);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      toLogin();
      return new Promise(() => {}); // the page is going away
    }
    throw err;
  }
}

/** Roles of the /me response, wherever the API puts them. */
export function rolesOf(me) {
  return (me && (me.roles || (me.user && me.user.roles))) || [];
}

/**
 * Start a page: who is signed in (redirects to /login when nobody, or
 * returns null if optional), the header.
 * @returns {Promise<{user, roles, organization}|null>}
 */
export async function boot({ optional = false } = {}) {
  let me;
  try {
    me = await api('/api/v1/me');
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      if (optional) return null;
      toLogin();
      throw new PageStop();
    }
    throw err;
  }
  const roles = rolesOf(me);
  const user = me.user || me;
  renderHeader(user, roles, me.organization);
  if (!allowed(roles, location.pathname)) {
    const main = $('#main');
    if (main) main.replaceChildren(h('div', { class: 'empty' }, h('h1', null, 'Not available'), h('p', null, 'Your account has no access to this page.')));
    throw new PageStop();
  }
  return { user, roles, organization: me.organization || null };
}

/** Thrown by boot() when the page must not render (handled by run()). */
export class PageStop extends Error {}

/** Run a page's main, showing an unexpected failure instead of a blank page. */
export function run(main) {
  main().catch((err) => {
    if (err instanceof PageStop) return;
    console.error(err);
    const box = $('#main') || document.body;
    box.append(h('div', { class: 'alert', role: 'alert' }, err && err.message ? err.message : String(err)));
  });
}

function renderHeader(user, roles, org) {
  const header = $('#app-header');
  if (!header) return;
  const links = navFor(roles, location.pathname).map((n) =>
    h('li', null, h('a', { href: n.href, 'aria-current': n.current ? 'page' : null }, n.label)));
  const signOut = h('button', { type: 'button', class: 'link', id: 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    signOut.disabled = true;
    try { await api('/api/v1/sessions/current', { method: 'DELETE' }); } catch { /* signed out either way */ }
    location.assign('/login');
  });
  header.replaceChildren(
    h('a', { class: 'brand', href: '/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '▶'), 'Lectern',
      org && org.name ? h('span', { class: 'org' }, org.name) : null),
    h('nav', { 'aria-label': 'Main' }, h('ul', null, links)),
    h('div', { class: 'who' }, h('span', { class: 'who-name', title: user.email || '' }, user.name || user.email || ''), signOut),
  );
}

// ---------------------------------------------------------------- forms and errors

/** Clear the errors showFormError put on form. */
export function clearErrors(form) {
  for (const e of form.querySelectorAll('.field-error, .form-error')) e.remove();
  for (const i of form.querySelectorAll('[aria-invalid]')) {
    i.removeAttribute('aria-invalid');
    const d = (i.getAttribute('aria-describedby') || '').split(' ').filter((x) => !x.startsWith('err-')).join(' ');
    if (d) i.setAttribute('aria-describedby', d); else i.removeAttribute('aria-describedby');
  }
}

let errSeq = 0;
/**
 * Show err in form: next to the control named by err.field (name= or
 * data-field=), else at the top of the form. Focuses the control.
 */
export function showFormError(form, err) {
  clearErrors(form);
  const message = err && err.message ? err.message : String(err);
  const field = err && err.field;
  const control = field ? form.querySelector(`[name="${cssEscape(field)}"], [data-field="${cssEscape(field)}"]`) : null;
  if (control) {
    const id = `err-${++errSeq}`;
    const note = h('p', { class: 'field-error', id }, message);
    const anchor = control.closest('.field') || control;
    anchor.append(note);
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', `${control.getAttribute('aria-describedby') || ''} ${id}`.trim());
    if (control.focus) control.focus();
    return;
  }
  form.prepend(h('p', { class: 'form-error', role: 'alert' }, field ? `${field}: ${message}` : message));
}

function cssEscape(s) {
  return window.CSS && CSS.escape ? CSS.escape(s) : String(s).replace(/["\\]/g, '\\$&');
}

/**
 * Wire a form: on submit, clear errors, disable the submit button, await
 * fn(data) (FormData as an object), show an API error next to its field.
 */
export function onSubmit(form, fn) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const btn = form.querySelector('[type="submit"]');
    if (btn) btn.disabled = true;
    try {
      await fn(Object.fromEntries(new FormData(form)), form);
    } catch (err) {
      if (err instanceof PageStop) return;
      showFormError(form, err);
    } finally {
      if (btn) btn.disabled = false;
    }
  });
}

/** A short live message at the bottom of the page ("Saved"). */
export function toast(text, kind = '') {
  let box = $('#toast');
  if (!box) {
    box = h('div', { id: 'toast', class: 'toast', role: 'status', 'aria-live': 'polite' });
    document.body.append(box);
  }
  box.textContent = text;
  box.className = `toast show ${kind}`;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.className = 'toast'; }, 2600);
}

/** All pages of a cursor-paginated list ({items, next_cursor}), up to max items. */
export async function listAll(path, max = 500) {
  const out = [];
  let cursor = '';
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await call(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path);
    out.push(...itemsOf(page));
    cursor = page && page.next_cursor;
    if (!cursor || out.length >= max) return out;
  }
}

/** The items of a list response ({items} or a bare array). */
export function itemsOf(page) {
  if (Array.isArray(page)) return page;
  return (page && (page.items || page.data)) || [];
}

/** "12 Mar 2026" */
export function formatDate(s) {
  if (!s) return '';
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** A progress bar element for a percentage 0..100. */
export function progressBar(percent, label) {
  const p = Math.max(0, Math.min(100, Math.round(Number(percent) || 0)));
  return h('div', { class: 'pbar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(p), 'aria-label': label || 'Progress' },
    h('div', { class: 'pbar-fill', style: { width: `${p}%` } }));
}
