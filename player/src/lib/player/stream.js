// Which engine plays a ready video, and from which manifest (pure; unit tested).
import { chooseEngine } from '../engines.js';

/**
 * @param {HTMLVideoElement} video  asked canPlayType (native HLS?)
 * @param {string} forced  ?format= value ('' when none)
 * @param {{hls?:string, dash?:string}} meta  the API's video object
 * @returns {{kind:'hls'|'dash'|'native', url:string}}  url is '' when the video has no manifest for kind
 */
export function pickStream(video, forced, meta, env) {
  let kind = chooseEngine(video, forced, env);
  // a video with only one of the manifests plays that one, unless ?format=dash asked for DASH
  if (kind !== 'dash' && !meta.hls && meta.dash) kind = 'dash';
  if (kind === 'dash' && !meta.dash && meta.hls && forced !== 'dash') kind = chooseEngine(video, 'hls', env);
  return { kind, url: (kind === 'dash' ? meta.dash : meta.hls) || '' };
}

/** Subtitle text for the engine: "HLS · hls.js". */
export const ENGINE_NAMES = { hls: 'HLS · hls.js', dash: 'DASH · dash.js', native: 'HLS · native' };
