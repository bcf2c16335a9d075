// The LRS in the admin page, its pure part (unit tested in test/xapi.test.js):
// credential scopes, the record's filters as query strings (list and export),
// and one xAPI statement as a table row (actor, verb, object, result).

/** The scopes an xAPI credential may hold (xapi/credential_store.go AllScopes), with what each allows. */
export const SCOPES = [
  { id: 'all', help: 'everything below' },
  { id: 'all/read', help: 'read everything' },
  { id: 'statements/write', help: 'send statements' },
  { id: 'statements/read', help: 'read every statement' },
  { id: 'statements/read/mine', help: 'read the statements it sent' },
  { id: 'state', help: 'state documents' },
  { id: 'profile', help: 'activity and agent profiles' },
  { id: 'define', help: 'define activities' },
];

/** The LRS endpoint a client is given for this site: <origin>/xapi (it adds /statements, /activities/state, …). */
export function endpointUrl(origin) {
  return `${String(origin || '').replace(/\/+$/, '')}/xapi`;
}

/** The record's filters, in the order the list and the export take them. */
export const FILTERS = ['learner', 'agent', 'verb', 'activity', 'registration', 'since', 'until'];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Is s a UUID (the form of a Lectern id and of an xAPI registration)? */
export const isUUID = (s) => UUID.test(String(s || '').trim());

/**
 * A datetime-local value ("2026-03-12T09:30", the browser's local time) as
 * RFC 3339 in UTC; '' for ''; null when it is not a time.
 */
export function localToIso(v) {
  const s = String(v || '').trim();
  if (!s) return '';
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s)) return null;
  const d = new Date(s); // no offset: local time
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/**
 * The filter form's values ({learner, agent, verb, activity, registration,
 * since, until} as typed; since/until from datetime-local inputs) as the
 * API's filters, checked the way the API checks them so that a mistake is
 * shown before the request: {filters} or {error: {field, message}}.
 */
export function readFilters(data) {
  const d = data || {};
  const filters = {};
  for (const k of FILTERS) {
    const v = String(d[k] ?? '').trim();
    if (v) filters[k] = v;
  }
  if (filters.learner && !isUUID(filters.learner)) return { error: { field: 'learner', message: 'Choose a learner from the list, or enter a user id.' } };
  if (filters.agent) {
    let a;
    try { a = JSON.parse(filters.agent); } catch { a = undefined; }
    if (!a || typeof a !== 'object' || Array.isArray(a)) return { error: { field: 'agent', message: 'Enter an Agent as JSON, e.g. {"mbox":"mailto:someone@example.com"}.' } };
    filters.agent = JSON.stringify(a);
  }
  for (const k of ['verb', 'activity']) {
    if (filters[k] && !/^[a-z][a-z0-9+.-]*:\S+$/i.test(filters[k])) return { error: { field: k, message: 'Enter an IRI, e.g. http://adlnet.gov/expapi/verbs/completed.' } };
  }
  if (filters.registration && !isUUID(filters.registration)) return { error: { field: 'registration', message: 'Enter a UUID.' } };
  for (const k of ['since', 'until']) {
    if (!filters[k]) continue;
    const iso = localToIso(filters[k]);
    if (!iso) return { error: { field: k, message: 'Enter a date and time.' } };
    filters[k] = iso;
  }
  if (filters.since && filters.until && filters.since > filters.until) return { error: { field: 'until', message: 'Until is before since.' } };
  return { filters };
}

/** The query string of filters (empty ones left out) plus extra ({limit, cursor, format}). */
export function recordQuery(filters, extra = {}) {
  const p = new URLSearchParams();
  for (const k of FILTERS) if (filters && filters[k]) p.set(k, filters[k]);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  return p.toString();
}

/** GET /api/v1/xapi/statements with filters, a page size and the cursor to go on from. */
export function listUrl(filters, { limit, cursor } = {}) {
  const q = recordQuery(filters, { limit, cursor });
  return `/api/v1/xapi/statements${q ? `?${q}` : ''}`;
}

/** The export of every statement matching filters (format jsonl or csv): a plain download. */
export function exportUrl(filters, format) {
  return `/api/v1/xapi/statements/export?${recordQuery(filters, { format })}`;
}

/**
 * The best string of an xAPI language map ({"en-US": "completed"}) for the
 * preferred languages (navigator.languages): exact tag, then same language,
 * then English, then any. '' when there is none.
 */
export function langString(map, prefs = []) {
  if (typeof map === 'string') return map;
  if (!map || typeof map !== 'object') return '';
  const keys = Object.keys(map).filter((k) => typeof map[k] === 'string' && map[k]);
  if (!keys.length) return '';
  const lower = keys.map((k) => k.toLowerCase());
  for (const want of [...prefs, 'en-US', 'en']) {
    const w = String(want).toLowerCase();
    const exact = lower.indexOf(w);
    if (exact >= 0) return map[keys[exact]];
    const base = w.split('-')[0];
    const same = lower.findIndex((k) => k.split('-')[0] === base);
    if (same >= 0) return map[keys[same]];
  }
  return map[keys[0]];
}

/** The last path segment (or fragment) of an IRI: http://adlnet.gov/expapi/verbs/completed → completed. */
export function lastSegment(iri) {
  const s = String(iri || '').replace(/[/#]+$/, '');
  const parts = s.split(/[/#]/);
  return parts[parts.length - 1] || s;
}

/** An Agent or Group as a short label: its name, else its mbox, account name, openid or hashed mbox. */
export function agentLabel(a) {
  if (!a || typeof a !== 'object') return '';
  if (a.name) return String(a.name);
  if (typeof a.mbox === 'string') return a.mbox.replace(/^mailto:/i, '');
  if (a.account && a.account.name) return String(a.account.name);
  if (a.openid) return String(a.openid);
  if (a.mbox_sha1sum) return `sha1:${String(a.mbox_sha1sum).slice(0, 12)}…`;
  if (a.objectType === 'Group') return `Group of ${Array.isArray(a.member) ? a.member.length : 0}`;
  return '';
}

/** The Agent's identifier in full (for a tooltip): mbox, account homePage + name, openid or mbox_sha1sum. */
export function agentId(a) {
  if (!a || typeof a !== 'object') return '';
  if (a.mbox) return String(a.mbox);
  if (a.account) return `${a.account.homePage || ''} ${a.account.name || ''}`.trim();
  return String(a.openid || a.mbox_sha1sum || '');
}

/**
 * The Lectern user id of an Agent that is a Lectern learner without a name
 * (account {homePage: <site>/orgs/<org id>, name: <user id>}), else ''.
 */
export function lecternUserId(a) {
  if (!a || typeof a !== 'object' || a.name || !a.account) return '';
  const { homePage, name } = a.account;
  return /\/orgs\/[0-9a-f-]{36}\/?$/i.test(String(homePage || '')) && isUUID(name) ? String(name) : '';
}

/** A verb as its display (in the preferred language) or the last segment of its id. */
export function verbLabel(v, prefs = []) {
  if (!v || typeof v !== 'object') return '';
  return langString(v.display, prefs) || lastSegment(v.id);
}

/** A statement's object: an Activity's name (or id), an Agent's label, a StatementRef, a SubStatement. */
export function objectLabel(o, prefs = []) {
  if (!o || typeof o !== 'object') return '';
  switch (o.objectType) {
    case 'Agent':
    case 'Group':
      return agentLabel(o);
    case 'StatementRef':
      return `statement ${o.id || ''}`.trim();
    case 'SubStatement':
      return `(${[agentLabel(o.actor), verbLabel(o.verb, prefs), objectLabel(o.object, prefs)].filter(Boolean).join(' ')})`;
    default:
      return langString(o.definition && o.definition.name, prefs) || String(o.id || '');
  }
}

/** A score as text: scaled as a percentage, else raw (out of max). */
export function scoreLabel(score) {
  if (!score || typeof score !== 'object') return '';
  if (typeof score.scaled === 'number') return `${Math.round(score.scaled * 1000) / 10}%`;
  if (typeof score.raw === 'number') return typeof score.max === 'number' ? `${score.raw}/${score.max}` : String(score.raw);
  return '';
}

/** A result as {text, kind}: "success · 85%", kind 'ok' | 'failed' | '' (no success given). */
export function resultLabel(r) {
  if (!r || typeof r !== 'object') return { text: '', kind: '' };
  const parts = [];
  if (r.success === true) parts.push('success');
  else if (r.success === false) parts.push('failed');
  else if (r.completion === true) parts.push('completed');
  const score = scoreLabel(r.score);
  if (score) parts.push(score);
  return { text: parts.join(' · '), kind: r.success === true ? 'ok' : r.success === false ? 'failed' : '' };
}

/** One statement as the row the table shows. */
export function statementRow(s, prefs = []) {
  const st = s || {};
  return {
    id: String(st.id || ''),
    stored: st.stored || st.timestamp || '',
    actor: agentLabel(st.actor),
    actorId: agentId(st.actor),
    userId: lecternUserId(st.actor),
    verb: verbLabel(st.verb, prefs),
    verbId: (st.verb && st.verb.id) || '',
    object: objectLabel(st.object, prefs),
    objectId: (st.object && st.object.id) || '',
    result: resultLabel(st.result),
  };
}
