// Keeping a playing engine's URLs fresh (pure; unit tested in
// test/playback.test.js). A lesson's media URLs carry expiring credentials
// as path segments:
//
//   /play/<token>/…                                   the per-learner manifests (API)
//   /g/<exp>/<sig>/<learner>/<limit>/media/<v>/<e>/…   gated segments (CDN; internal/cdn/gated.go)
//
// The engines ask rewrite(url) before every request (hls.js: a loader
// subclass; dash.js: a request interceptor), so after a playback refresh
// manifests and segments are fetched with the newest credentials without
// reloading anything:
// - a /play/ token is replaced by the one that succeeded it (learnUrls(old,
//   new) records old → new; chains collapse, so a token three refreshes old
//   maps to the newest);
// - a /g/ group is replaced by the newest group learned for the same learner
//   and encode (learnText: the engines pass every playlist / MPD they load,
//   and the player fetches one after a refresh), when it expires later and
//   its limit is at least the request's (a newer grant never reaches less).

const PLAY = /\/play\/([^/?#]+)\//;
const GROUP = /\/g\/(\d+)\/([A-Za-z0-9_-]+)\/([^/?#\s"'<>]+)\/(\d+)\/(media\/[^/?#\s"'<>]+\/[^/?#\s"'<>]+\/)/;
const GROUPS = new RegExp(GROUP.source, 'g');

/** The /play/<token>/ token of a URL, or ''. */
export function playToken(url) {
  const m = PLAY.exec(String(url || ''));
  return m ? m[1] : '';
}

/** The gated groups in a text (URL, playlist, MPD) → [{exp, sig, learner, limit, prefix, text}]. */
export function gatedGroups(text) {
  const out = [];
  for (const m of String(text || '').matchAll(GROUPS)) {
    out.push({ exp: Number(m[1]), sig: m[2], learner: m[3], limit: Number(m[4]), prefix: m[5], text: `/g/${m[1]}/${m[2]}/${m[3]}/${m[4]}/` });
  }
  return out;
}

export function createUrlRewriter() {
  const tokens = new Map(); // old /play/ token -> newest
  const groups = new Map(); // learner|prefix -> newest group

  function learnGroup(g) {
    const k = `${g.learner}|${g.prefix}`;
    const cur = groups.get(k);
    if (!cur || g.exp > cur.exp || (g.exp === cur.exp && g.limit > cur.limit)) groups.set(k, g);
  }

  return {
    /** A refreshed URL replaces an old one (hls, dash or thumbnails of two playbacks). */
    learnUrls(oldUrl, newUrl) {
      const a = playToken(oldUrl);
      const b = playToken(newUrl);
      if (a && b && a !== b) {
        for (const [k, v] of tokens) if (v === a) tokens.set(k, b);
        tokens.set(a, b);
        tokens.delete(b);
      }
      for (const g of gatedGroups(newUrl)) learnGroup(g);
    },
    /** Groups found in a playlist or MPD. */
    learnText(text) {
      for (const g of gatedGroups(text)) learnGroup(g);
    },
    /** Did any loaded media carry gated segment URLs? */
    gated: () => groups.size > 0,
    /** url with the newest credentials. */
    rewrite(url) {
      let out = String(url);
      const t = playToken(out);
      if (t && tokens.has(t)) out = out.replace(`/play/${t}/`, `/play/${tokens.get(t)}/`);
      const m = GROUP.exec(out);
      if (m) {
        const g = groups.get(`${m[3]}|${m[5]}`);
        if (g && g.exp > Number(m[1]) && g.limit >= Number(m[4])) {
          out = out.replace(`/g/${m[1]}/${m[2]}/${m[3]}/${m[4]}/`, g.text);
        }
      }
      return out;
    },
  };
}

/**
 * The URLs of a few media playlists in an HLS master playlist (resolved
 * against its URL): the one fetched after a refresh to learn the new
 * segment credentials.
 */
export function variantUrls(master, baseUrl) {
  const out = [];
  const lines = String(master || '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.startsWith('#EXT-X-STREAM-INF')) {
      const next = (lines[i + 1] || '').trim();
      if (next && !next.startsWith('#')) out.push(next);
    } else if (line.startsWith('#EXT-X-MEDIA') && /URI="([^"]+)"/.test(line)) {
      out.push(/URI="([^"]+)"/.exec(line)[1]);
    }
  }
  return out.map((u) => { try { return new URL(u, baseUrl).href; } catch { return u; } });
}
