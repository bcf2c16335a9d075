// What the browser tests share about the Lectern under test: where its API
// is, the admin token, API calls from node, and signing a browser context in.
//
// Base URL: LECTERN_PUBLIC_URL, else the origin of the "player" URL in
// $LECTERN_E2E_VIDEO_JSON (written by the CLI), else http://$LECTERN_HTTP_ADDR.
// Admin token: LECTERN_ADMIN_TOKEN, else $LECTERN_DATA_DIR/admin-token.
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export const API_MS = 10_000; // one API request from node

/**
 * {skip:false, base, token, video} or {skip: 'reason'}. A test that needs no
 * video passes {video: false}: then LECTERN_E2E_VIDEO_JSON is optional and
 * video is null when it is not set.
 */
export function config({ video: needVideo = true } = {}) {
  const jsonPath = process.env.LECTERN_E2E_VIDEO_JSON;
  if (!jsonPath && needVideo) return { skip: 'LECTERN_E2E_VIDEO_JSON is not set (path to the {id,hls,dash,player} JSON written by the CLI)' };
  const video = jsonPath ? JSON.parse(readFileSync(jsonPath, 'utf8')) : null;
  let base = null;
  if (process.env.LECTERN_PUBLIC_URL) base = new URL(process.env.LECTERN_PUBLIC_URL).origin;
  if (!base && video) { try { base = new URL(video.player).origin; } catch { /* below */ } }
  if (!base && process.env.LECTERN_HTTP_ADDR) base = `http://${process.env.LECTERN_HTTP_ADDR}`;
  if (!base) return { skip: `no API address: set LECTERN_PUBLIC_URL (or LECTERN_E2E_VIDEO_JSON with a "player" URL, or LECTERN_HTTP_ADDR)` };
  let token = (process.env.LECTERN_ADMIN_TOKEN || '').trim();
  const tokenFile = process.env.LECTERN_DATA_DIR && join(process.env.LECTERN_DATA_DIR, 'admin-token');
  if (!token && tokenFile && existsSync(tokenFile)) token = readFileSync(tokenFile, 'utf8').trim();
  if (!token) return { skip: 'LECTERN_ADMIN_TOKEN is not set (load the stack\'s env file: set -a; . .data/env; set +a)' };
  return { skip: false, base, token, video };
}

/**
 * The API from node with a bound on every request. token defaults to the
 * admin token; expect lists the statuses that are not an error.
 */
export async function api(cfg, path, { method = 'GET', body, token = cfg.token, expect = [200, 201, 204] } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(cfg.base + path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(API_MS),
  });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** Present token as the browser session cookie (the API accepts any valid token there). */
export async function signInContext(context, cfg, token = cfg.token) {
  await context.addCookies([{ name: 'lectern_session', value: token, url: cfg.base, httpOnly: true, sameSite: 'Strict' }]);
}

/** A user made through the admin API, unique per run: {id, email, password, name, roles}. */
export async function createUser(cfg, { prefix, roles, name }) {
  const stamp = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const email = `${prefix}-${stamp}@e2e.lectern.test`;
  const password = `pw-${stamp}-${Math.random().toString(36).slice(2)}`;
  const u = await api(cfg, '/api/v1/users', { method: 'POST', body: { email, name: name || prefix, roles, password }, expect: [201] });
  return { id: u.id || (u.user && u.user.id), email, password, name: name || prefix, roles };
}
