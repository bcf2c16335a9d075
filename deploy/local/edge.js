// Lectern local CDN: the njs half of the gated media check (nginx.conf.tmpl,
// location ^/g/). nginx has already checked the URL's signature and expiry
// (secure_link); this decides whether the signed URL names an object the
// learner may fetch: a rendition's init segment, or one of its media
// segments numbered 1..limit. Everything else under /g/ is refused.
//
// up.sh copies this file next to the rendered nginx.conf. njs 0.7 (Debian 12,
// libnginx-mod-http-js): ES5 plus a few later features; keep it plain.

// A gated path: /g/<expires>/<sig>/<learner>/<limit>/media/<video>/<encode>/<rendition>/<file>
var GATED = /^\/g\/[0-9]{1,12}\/[A-Za-z0-9_-]{22}\/[0-9a-f-]{36}\/([0-9]{1,6})\/media\/[0-9a-f-]{36}\/[0-9A-Za-z_-]{1,64}\/[a-z0-9]{1,16}\/(init\.mp4|seg-([0-9]{5,9})\.m4s)$/;

// allowed(r) -> "1" when r may be served, else "0" (js_set $gated_allowed).
function allowed(r) {
    // The path as the client sent it must be the one nginx matched: no
    // percent-encoding, no "//", "." or ".." segments (nginx would decode
    // or merge them into a path that looks allowed).
    var raw = r.variables.request_uri;
    var q = raw.indexOf('?');
    if (q >= 0) {
        raw = raw.substring(0, q);
    }
    if (raw !== r.uri) {
        return '0';
    }
    var m = GATED.exec(raw);
    if (m === null) {
        return '0';
    }
    if (m[2] === 'init.mp4') {
        return '1';
    }
    // Decimal, compared as numbers: seg-00010 is 10, limit "3" is 3.
    var n = parseInt(m[3], 10);
    var limit = parseInt(m[1], 10);
    return (n >= 1 && n <= limit) ? '1' : '0';
}

export default { allowed };
