// WebVTT thumbnail track parser.
//
// The packager writes cues of the form
//   00:00:04.000 --> 00:00:06.000
//   sprite-0.jpg#xywh=160,0,160,90
// where the image URL is relative to the VTT file. A cue without #xywh
// stands for the whole image.

function parseTimestamp(text) {
  // hh:mm:ss.ttt or mm:ss.ttt (WebVTT allows hours to be omitted)
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?$/.exec(text.trim());
  if (!m) return NaN;
  const h = m[1] ? Number(m[1]) : 0;
  const ms = m[4] ? Number(m[4].padEnd(3, '0')) : 0;
  return h * 3600 + Number(m[2]) * 60 + Number(m[3]) + ms / 1000;
}

/**
 * Parse a thumbnails VTT.
 * @param {string} text  the VTT body
 * @param {string} baseUrl  absolute URL of the VTT (image URLs resolve against it)
 * @returns {{start:number,end:number,url:string,x:number,y:number,w:number,h:number}[]}
 *   sorted by start; w/h are 0 when the cue names a whole image.
 */
export function parseThumbnailsVtt(text, baseUrl) {
  const lines = String(text).replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  if (!/^WEBVTT/.test(lines[0] || '')) throw new Error('not a WebVTT file');
  const cues = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (!line.includes('-->')) continue;
    const [a, rest] = line.split('-->');
    const start = parseTimestamp(a);
    const end = parseTimestamp(rest.trim().split(/\s+/)[0]);
    // the payload is the next non-empty line
    let payload = '';
    while (++i < lines.length) {
      if (lines[i].trim() !== '') { payload = lines[i].trim(); break; }
    }
    if (!payload || !Number.isFinite(start) || !Number.isFinite(end)) continue;
    const hash = payload.indexOf('#');
    const ref = hash >= 0 ? payload.slice(0, hash) : payload;
    const frag = hash >= 0 ? payload.slice(hash + 1) : '';
    let x = 0, y = 0, w = 0, h = 0;
    const xywh = /(?:^|&)xywh=(?:pixel:)?(\d+),(\d+),(\d+),(\d+)/.exec(frag);
    if (xywh) [x, y, w, h] = xywh.slice(1).map(Number);
    let url;
    try { url = new URL(ref, baseUrl).href; } catch { continue; }
    cues.push({ start, end, url, x, y, w, h });
  }
  cues.sort((p, q) => p.start - q.start);
  return cues;
}

/** Binary search for the cue covering time t (or the nearest earlier one). */
export function cueAt(cues, t) {
  if (!cues.length) return null;
  let lo = 0, hi = cues.length - 1, best = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cues[mid].start <= t) { best = mid; lo = mid + 1; } else { hi = mid - 1; }
  }
  return cues[best];
}
