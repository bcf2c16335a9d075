// JSON client for the Lectern public API (same origin).

export class ApiError extends Error {
  constructor(status, code, message, field = '') {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    /** the request field the error is about ({"error":{"field"}}), '' when none */
    this.field = field;
  }
}

/** Turn any error body into a readable message. Errors are {"error":{"code","message","field"?}}. */
export function errorFrom(status, body, statusText = '') {
  let code = 'http_' + status;
  let message = '';
  let field = '';
  if (body && typeof body === 'object' && body.error) {
    if (typeof body.error === 'string') message = body.error;
    else {
      code = body.error.code || code;
      message = body.error.message || '';
      field = typeof body.error.field === 'string' ? body.error.field : '';
    }
  } else if (typeof body === 'string' && body.trim() && body.length < 300 && !/^\s*</.test(body)) {
    message = body.trim();
  }
  if (!message) message = `${status} ${statusText || 'request failed'}`.trim();
  return new ApiError(status, code, message, field);
}

export async function parseBody(res) {
  const text = await res.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return text; }
}

/**
 * fetch + JSON + readable errors.
 * @param {string} path
 * @param {{method?:string, body?:any, token?:string, signal?:AbortSignal, headers?:object}} opts
 */
export async function api(path, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  let res;
  try {
    // same-origin credentials: the session cookie (lectern_session) set by POST /api/v1/sessions
    res = await fetch(path, { method: opts.method || 'GET', headers, body, signal: opts.signal, cache: 'no-store', credentials: 'same-origin' });
  } catch (err) {
    if (err && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Network error — check your connection.');
  }
  const data = await parseBody(res);
  if (!res.ok) throw errorFrom(res.status, data, res.statusText);
  return data;
}
