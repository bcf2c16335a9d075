// Ask the API for the video until it is ready to play: processing progress in
// the meantime, retries with back-off on network trouble, a final message on
// 4xx (pure but for the functions passed in; unit tested).
import { ApiError } from '../api.js';
import { describeStatus } from './status.js';

export const POLL_MS = 2000;

/**
 * @param {string} id
 * @param {object} io
 * @param {(id:string)=>Promise<object>} io.load   fetch the video object
 * @param {(ms:number)=>Promise<void>} io.sleep
 * @param {(kind:string, title:string, detail:string, progress?:number|null)=>void} io.show  interim status
 * @param {(title:string, detail:string)=>void} io.fail  final status: the player gives up
 * @param {(v:object)=>void} [io.onVideo]   every video object received
 * @param {(err:ApiError)=>void} [io.onUnauthorized]  a 401 (without it a 401 is just "cannot be shown")
 * @param {()=>boolean} [io.stopped]  the player was destroyed: stop quietly
 * @returns {Promise<object|null>} the video once its status is 'ready'; null when it never will be (or stopped)
 */
export async function waitUntilReady(id, { load, sleep, show, fail, onVideo = () => {}, onUnauthorized = null, stopped = () => false }) {
  let netFailures = 0;
  for (;;) {
    let v;
    try {
      v = await load(id);
      netFailures = 0;
    } catch (err) {
      if (stopped()) return null;
      if (err instanceof ApiError && err.status === 401 && onUnauthorized) {
        fail('Please sign in', err.message);
        onUnauthorized(err);
        return null;
      }
      if (err instanceof ApiError && err.status === 404) {
        fail('Video not found', err.message);
        return null;
      }
      if (err instanceof ApiError && err.status >= 400 && err.status < 500 && err.status !== 408 && err.status !== 429) {
        fail('This video cannot be shown', err.message);
        return null;
      }
      netFailures++;
      if (netFailures > 2) show('error', 'Cannot reach Lectern', `${err.message} Retrying…`);
      else show('loading', 'Loading…', '');
      await sleep(Math.min(10000, POLL_MS * netFailures));
      if (stopped()) return null;
      continue;
    }
    if (stopped()) return null;
    onVideo(v);
    if (v.status === 'ready') return v;
    const s = describeStatus(v);
    if (v.status === 'failed' || v.status === 'canceled') {
      fail(s.title, s.detail);
      return null;
    }
    show(s.kind, s.title, s.detail, s.progress);
    await sleep(POLL_MS);
    if (stopped()) return null;
  }
}
