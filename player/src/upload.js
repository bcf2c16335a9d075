// Lectern upload page: /upload
import { api, ApiError } from './lib/api.js';
import { boot, toLogin } from './lib/app.js';
import { Uploader, savedUploads } from './lib/uploader.js';
import { RateMeter } from './lib/rate.js';
import { formatBytes, formatRate, formatEta } from './lib/format.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'lectern.token';
const POLL_MS = 2000;

const el = {
  token: $('token'), tokenToggle: $('token-toggle'), file: $('file'), drop: $('drop'), fileInfo: $('file-info'),
  title: $('title'), start: $('start'), saved: $('saved'), savedList: $('saved-list'), pickCard: $('pick-card'),
  progressCard: $('progress-card'), progressName: $('progress-name'), pause: $('pause'), bar: $('bar'), barFill: $('bar-fill'),
  statBytes: $('stat-bytes'), statRate: $('stat-rate'), statEta: $('stat-eta'), uploadStatus: $('upload-status'),
  tokenCard: $('token-card'), videoCard: $('video-card'), videoTitle: $('video-title'), encBar: $('enc-bar'), encFill: $('enc-fill'),
  videoStatus: $('video-status'), watchLink: $('watch-link'), another: $('another'), error: $('error'),
};

let file = null;
let uploader = null;
let busy = false;

// ---------------------------------------------------------------- token
function storageGet(k) { try { return localStorage.getItem(k); } catch { return null; } }
function storageSet(k, v) { try { localStorage.setItem(k, v); } catch { /* ignore */ } }

// Signed in (session cookie): uploads go with the cookie and the token card
// hides. Signed out: an API token pasted here (or ?token=) still works; with
// neither, the visitor is sent to sign in.
let session = false;
let tokenFromUrl = false;
/** The token requests carry: none when the session cookie is the credential. */
function requestToken() {
  return session && !tokenFromUrl ? '' : el.token.value.trim();
}

(function initToken() {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  tokenFromUrl = !!fromUrl;
  if (fromUrl) {
    storageSet(TOKEN_KEY, fromUrl);
    // keep the token out of the address bar and the history
    params.delete('token');
    const q = params.toString();
    history.replaceState(null, '', location.pathname + (q ? `?${q}` : '') + location.hash);
  }
  el.token.value = fromUrl || storageGet(TOKEN_KEY) || '';
})();
boot({ optional: true }).then((me) => {
  if (me) {
    session = true;
    el.tokenCard.hidden = !tokenFromUrl;
  } else if (!el.token.value.trim()) {
    toLogin();
  }
}).catch((err) => console.warn('lectern: /api/v1/me', err));
el.token.addEventListener('input', () => storageSet(TOKEN_KEY, el.token.value.trim()));
el.tokenToggle.addEventListener('click', () => {
  const show = el.token.type === 'password';
  el.token.type = show ? 'text' : 'password';
  el.tokenToggle.textContent = show ? 'Hide' : 'Show';
  el.tokenToggle.setAttribute('aria-pressed', String(show));
});

// ---------------------------------------------------------------- errors
function showError(err) {
  const msg = err instanceof Error ? err.message : String(err);
  let text = msg;
  if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
    text = session && !tokenFromUrl ? `${msg} — your account may lack the instructor role.` : `${msg} — check the access token above.`;
  }
  el.error.textContent = text;
  el.error.hidden = false;
}
function clearError() { el.error.hidden = true; el.error.textContent = ''; }

// ---------------------------------------------------------------- picking a file
function pick(f) {
  if (!f || busy) return;
  clearError();
  file = f;
  el.drop.classList.add('has-file');
  el.fileInfo.textContent = `${f.name} · ${formatBytes(f.size)}`;
  const saved = savedUploads(localStorage).find((s) => s.name === f.name && s.size === f.size && s.lastModified === f.lastModified);
  if (saved) {
    el.fileInfo.textContent += ' · will resume the earlier upload';
    if (!el.title.value && saved.title) el.title.value = saved.title;
  }
  el.title.placeholder = f.name.replace(/\.[^.]+$/, '') || 'Untitled';
  el.start.disabled = false;
  el.start.focus();
}

el.file.addEventListener('change', () => pick(el.file.files && el.file.files[0]));
for (const t of ['dragenter', 'dragover']) {
  document.addEventListener(t, (e) => {
    if (!e.dataTransfer || ![...e.dataTransfer.types].includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = busy ? 'none' : 'copy';
    el.drop.classList.add('over');
  });
}
document.addEventListener('dragleave', (e) => { if (!e.relatedTarget) el.drop.classList.remove('over'); });
document.addEventListener('drop', (e) => {
  e.preventDefault();
  el.drop.classList.remove('over');
  const f = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
  if (f) pick(f);
});

function renderSaved() {
  const list = savedUploads(localStorage);
  el.saved.hidden = list.length === 0;
  el.savedList.textContent = '';
  for (const s of list) {
    const li = document.createElement('li');
    const span = document.createElement('span');
    span.textContent = `${s.name} · ${formatBytes(s.size)}`;
    const forget = document.createElement('button');
    forget.type = 'button';
    forget.className = 'link';
    forget.textContent = 'Forget';
    forget.setAttribute('aria-label', `Forget the unfinished upload of ${s.name}`);
    forget.addEventListener('click', () => { try { localStorage.removeItem(s.key); } catch { /* ignore */ } renderSaved(); });
    li.append(span, forget);
    el.savedList.appendChild(li);
  }
}
renderSaved();

// ---------------------------------------------------------------- upload
function setBar(fill, bar, pct) {
  const p = Math.max(0, Math.min(100, pct));
  fill.style.width = `${p}%`;
  bar.setAttribute('aria-valuenow', String(Math.round(p)));
}

function status(target, text, kind = '') {
  target.textContent = text;
  target.className = `status-line${kind ? ` ${kind}` : ''}`;
}

el.start.addEventListener('click', startUpload);
el.pause.addEventListener('click', () => {
  if (!uploader) return;
  if (uploader.paused) { uploader.resume(); el.pause.textContent = 'Pause'; }
  else { uploader.pause(); el.pause.textContent = 'Resume'; }
});

window.addEventListener('beforeunload', (e) => {
  if (!busy) return;
  e.preventDefault();
  e.returnValue = '';
});

async function startUpload() {
  if (!file || busy) return;
  clearError();
  busy = true;
  el.start.disabled = true;
  el.pickCard.hidden = true;
  el.progressCard.hidden = false;
  el.videoCard.hidden = true;
  el.progressName.textContent = file.name;
  el.pause.hidden = false;
  el.pause.textContent = 'Pause';
  el.barFill.className = 'bar-fill';
  // start from an empty bar without animating down from the previous upload
  el.barFill.style.transition = 'none';
  setBar(el.barFill, el.bar, 0);
  void el.barFill.offsetWidth;
  el.barFill.style.transition = '';
  el.statBytes.textContent = '';
  el.statRate.textContent = '';
  el.statEta.textContent = '';

  const meter = new RateMeter(4000);
  let last = { sent: 0, total: file.size, transferred: 0 };
  const render = () => {
    const rate = meter.update(last.transferred, performance.now());
    setBar(el.barFill, el.bar, last.total ? (last.sent / last.total) * 100 : 100);
    el.statBytes.textContent = `${formatBytes(last.sent)} of ${formatBytes(last.total)}`;
    const active = uploader && !uploader.paused && last.sent < last.total;
    el.statRate.textContent = active && rate > 0 ? formatRate(rate) : '';
    el.statEta.textContent = active && rate > 0 ? formatEta((last.total - last.sent) / rate) : '';
  };
  const timer = setInterval(render, 500);

  const title = el.title.value.trim() || file.name.replace(/\.[^.]+$/, '');
  uploader = new Uploader({
    file,
    title,
    token: requestToken(),
    concurrency: 3,
    onProgress: (p) => { last = p; },
    onStatus: (text, kind) => {
      status(el.uploadStatus, text, kind === 'retry' ? 'retry' : '');
      if (kind === 'paused') meter.reset();
    },
  });

  let result;
  try {
    result = await uploader.run();
  } catch (err) {
    clearInterval(timer);
    render();
    busy = false;
    el.barFill.classList.add('bad');
    el.pause.hidden = true;
    // nothing was sent (bad token, server down…): the progress card only adds noise
    el.progressCard.hidden = !(uploader.upload && last.sent > 0);
    status(el.uploadStatus, 'Upload stopped. Press Upload again to continue from here.', 'bad');
    showError(err);
    el.pickCard.hidden = false;
    el.start.disabled = false;
    renderSaved();
    return;
  }
  clearInterval(timer);
  last = { ...last, sent: file.size };
  render();
  busy = false;
  el.pause.hidden = true;
  el.barFill.classList.add('done');
  status(el.uploadStatus, `Uploaded ${formatBytes(file.size)}.`, 'ok');
  renderSaved();
  const video = result && result.video;
  if (video && video.id) followVideo(video);
  else showError(new Error('The upload finished but the server did not return a video.'));
}

// ---------------------------------------------------------------- encoding status
async function followVideo(video) {
  el.videoCard.hidden = false;
  el.another.hidden = true;
  el.watchLink.hidden = true;
  let v = video;
  let failures = 0;
  for (;;) {
    const job = v.job || {};
    const pct = Number.isFinite(job.progress) ? job.progress : 0;
    el.encFill.className = 'bar-fill enc';
    switch (v.status) {
      case 'ready':
        el.videoTitle.textContent = v.title ? `“${v.title}” is ready` : 'Ready';
        setBar(el.encFill, el.encBar, 100);
        el.encFill.classList.add('done');
        status(el.videoStatus, 'Encoded and published for streaming.', 'ok');
        el.watchLink.href = `/watch/${encodeURIComponent(v.id)}`;
        el.watchLink.hidden = false;
        el.another.hidden = false;
        el.watchLink.focus();
        return;
      case 'failed':
      case 'canceled':
        el.videoTitle.textContent = v.status === 'failed' ? 'Processing failed' : 'Processing was canceled';
        el.encFill.classList.add('bad');
        setBar(el.encFill, el.encBar, 100);
        status(el.videoStatus, job.error || v.error || (v.status === 'failed' ? 'The video could not be processed.' : ''), 'bad');
        el.another.hidden = false;
        return;
      case 'queued':
      case 'uploading':
        el.videoTitle.textContent = 'Waiting to be processed';
        setBar(el.encFill, el.encBar, 0);
        status(el.videoStatus, `Queued${job.state && job.state !== 'queued' ? ` (${job.state})` : ''} — you can leave this page, processing continues.`);
        break;
      default:
        el.videoTitle.textContent = `Processing… ${Math.round(pct)}%`;
        setBar(el.encFill, el.encBar, pct);
      {
        const what = job.stage && job.stage !== 'starting' ? job.stage : (job.state && job.state !== 'running' ? job.state : 'encoding');
        const speed = job.stage === 'encoding' && job.speed > 0 ? ` at ${job.speed.toFixed(1)}× real time` : '';
        status(el.videoStatus, `${what[0].toUpperCase()}${what.slice(1)}${speed} — you can leave this page, processing continues.`);
      }
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
    try {
      v = await api(`/api/v1/videos/${encodeURIComponent(video.id)}`, { token: requestToken() });
      failures = 0;
    } catch (err) {
      failures++;
      if (failures >= 3) status(el.videoStatus, `${err.message} Retrying…`, 'retry');
    }
  }
}

el.another.addEventListener('click', () => {
  file = null;
  el.file.value = '';
  el.title.value = '';
  el.drop.classList.remove('has-file');
  el.fileInfo.textContent = 'MP4, MOV, MKV, WebM … up to several GB';
  el.progressCard.hidden = true;
  el.videoCard.hidden = true;
  el.pickCard.hidden = false;
  el.start.disabled = true;
  clearError();
  renderSaved();
});
