// The status overlay (#status): loading, processing progress and errors.
import { clamp } from './clamp.js';

/**
 * What to show for a video that is not ready yet (pure; unit tested).
 * @param {{status:string, job?:object, error?:string}} v  the API's video object
 * @returns {{kind:'processing'|'error', title:string, detail:string, progress:number|null}}
 */
export function describeStatus(v) {
  const job = v.job || {};
  const pct = Number.isFinite(job.progress) ? Math.round(job.progress) : null;
  const show = (kind, title, detail, progress) => ({ kind, title, detail, progress });
  switch (v.status) {
    case 'uploading': return show('processing', 'Upload in progress', 'The video will be processed as soon as the upload finishes.', null);
    case 'queued': return show('processing', 'Waiting to be processed…', 'This page updates by itself.', 0);
    case 'processing': {
      const stage = job.stage && job.stage !== 'starting' ? ` (${job.stage})` : '';
      return show('processing', pct !== null ? `Processing… ${pct}%` : 'Processing…', `The video is being prepared for streaming${stage}. This page updates by itself.`, pct || 0);
    }
    case 'failed': return show('error', 'Processing failed', job.error || v.error || 'The video could not be processed.', null);
    case 'canceled': return show('error', 'Processing was canceled', job.error || v.error || '', null);
    default: return show('processing', `Status: ${v.status}`, '', null);
  }
}

/**
 * @param {object} el  the player's elements (markup.js)
 * @returns {{show(kind:string, title:string, detail?:string, progress?:number|null, action?:{label:string, run:()=>void}):void, hide():void}}
 *   show sets #player[data-state] to kind and hides the controls and the big play button.
 */
export function createStatus(el) {
  function show(kind, title, detail = '', progress = null, action = null) {
    el.player.dataset.state = kind;
    el.status.hidden = false;
    el.statusTitle.textContent = title;
    el.statusDetail.textContent = detail;
    el.statusProgress.hidden = progress === null;
    if (progress !== null) el.statusBar.style.width = `${clamp(progress, 0, 100)}%`;
    const old = el.status.querySelector('.status-action');
    if (old) old.remove();
    if (action) {
      const b = el.status.ownerDocument.createElement('button');
      b.type = 'button';
      b.className = 'btn btn-text status-action';
      b.textContent = action.label;
      b.addEventListener('click', action.run);
      el.status.querySelector('.status-card').appendChild(b);
    }
    el.controls.hidden = true;
    el.bigplay.hidden = true;
  }
  function hide() {
    el.status.hidden = true;
  }
  return { show, hide };
}
