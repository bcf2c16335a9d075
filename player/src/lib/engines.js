// Playback engines behind one small interface so the controls, the quality
// menu and the test/debug hooks work the same for hls.js, dash.js and native HLS.
//
//   const eng = await createEngine('hls', video, url, hooks, opts)
//   eng.engine            'hls' | 'dash' | 'native'
//   eng.levels()          [{index, height, width, bitrate}]  (engine's own indices)
//   eng.currentLevel()    the rendition being played, or null
//   eng.isAuto()          ABR on?
//   eng.setLevel(i)       pin a rendition; -1 = back to automatic
//   eng.destroy()
//
// hooks: onLevels(levels), onSwitch(level), onError(message) (fatal only).
// opts: startAt (seconds to start from), rewrite(url) → url (asked before every
// request: hls.js through a loader subclass, dash.js through a request
// interceptor; native HLS cannot), learn(text) (every playlist / MPD loaded),
// autoplay, abrTest.
// The engines themselves are lazy chunks: a page that plays DASH never downloads hls.js.

/** Pick the engine: ?format= wins, then native HLS without MSE (iPhone), hls.js, dash.js. */
export function chooseEngine(video, forced, env = globalThis) {
  if (forced === 'hls' || forced === 'dash' || forced === 'native') return forced;
  const mse = !!(env.MediaSource || env.ManagedMediaSource || env.WebKitMediaSource);
  const nativeHls = !!video.canPlayType && video.canPlayType('application/vnd.apple.mpegurl') !== '';
  if (nativeHls && !mse) return 'native';
  if (mse) return 'hls'; // confirmed with Hls.isSupported() once the chunk is loaded
  return nativeHls ? 'native' : 'dash';
}

export async function createEngine(kind, video, urls, hooks, opts = {}) {
  if (kind === 'hls') {
    const { default: Hls } = await import('hls.js');
    if (Hls.isSupported()) return createHls(Hls, video, urls.hls, hooks, opts);
    if (video.canPlayType('application/vnd.apple.mpegurl')) return createNative(video, urls.hls, hooks, opts);
    if (urls.dash) return createEngine('dash', video, urls, hooks, opts);
    throw new Error('This browser cannot play HLS.');
  }
  if (kind === 'dash') {
    const dashjs = await import('dashjs');
    return createDash(dashjs, video, urls.dash, hooks, opts);
  }
  return createNative(video, urls.hls, hooks, opts);
}

/**
 * An hls.js loader that asks rewrite(url) before each request (manifests,
 * playlists, segments) and hands playlist texts to learn(text).
 */
export function rewritingLoader(Base, { rewrite, learn }) {
  return class RewritingLoader extends Base {
    load(context, config, callbacks) {
      if (rewrite) context.url = rewrite(context.url);
      let cbs = callbacks;
      if (learn && !context.frag) {
        const onSuccess = callbacks.onSuccess;
        cbs = {
          ...callbacks,
          onSuccess(response, stats, ctx, details) {
            if (response && typeof response.data === 'string') {
              try { learn(response.data); } catch (err) { console.warn('lectern: reading a playlist', err); }
            }
            onSuccess(response, stats, ctx, details);
          },
        };
      }
      super.load(context, config, cbs);
    }
  };
}

function createHls(Hls, video, url, hooks, opts) {
  const config = {
    backBufferLength: 60,
    maxBufferLength: 30,
    // Start from a fresh estimate rather than testing on the lowest rendition.
    abrEwmaDefaultEstimate: 1_000_000,
  };
  if (opts.startAt > 0) config.startPosition = opts.startAt;
  if (opts.rewrite || opts.learn) config.loader = rewritingLoader(Hls.DefaultConfig.loader, opts);
  if (opts.abrTest) {
    // Test profile (?abr=test): start high, keep a short buffer and react fast,
    // so a throttled network shows up as a rendition switch within seconds.
    Object.assign(config, {
      abrEwmaDefaultEstimate: 20_000_000,
      testBandwidth: false,
      abrEwmaFastVoD: 1.5,
      abrEwmaSlowVoD: 3,
      maxBufferLength: 6,
      maxMaxBufferLength: 8,
      backBufferLength: 10,
    });
  }
  const hls = new Hls(config);
  let recoveries = 0;
  const levelOf = (i) => {
    const l = hls.levels && hls.levels[i];
    return l ? { index: i, height: l.height || 0, width: l.width || 0, bitrate: l.bitrate || 0 } : null;
  };
  const levels = () => (hls.levels || []).map((_, i) => levelOf(i));

  hls.on(Hls.Events.MANIFEST_PARSED, () => hooks.onLevels(levels()));
  hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => {
    const l = levelOf(data.level);
    if (l) hooks.onSwitch(l);
  });
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (!data.fatal) return;
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR && recoveries < 2) {
      recoveries++;
      hls.recoverMediaError();
      return;
    }
    if (data.type === Hls.ErrorTypes.NETWORK_ERROR && recoveries < 3 && data.details !== 'manifestLoadError') {
      recoveries++;
      setTimeout(() => hls.startLoad(), 1000 * recoveries);
      return;
    }
    hooks.onError(hlsMessage(data));
  });
  hls.on(Hls.Events.FRAG_BUFFERED, () => { recoveries = 0; });
  hls.loadSource(url);
  hls.attachMedia(video);

  return {
    engine: 'hls',
    impl: hls,
    levels,
    currentLevel: () => levelOf(hls.currentLevel),
    isAuto: () => hls.autoLevelEnabled,
    setLevel(i) {
      // -1 hands control back to ABR; a pinned level switches at the next fragment
      // boundary (no buffer flush, no stall).
      hls.nextLevel = i;
    },
    destroy: () => hls.destroy(),
  };
}

function hlsMessage(data) {
  const status = data.response && data.response.code;
  if (data.details === 'manifestLoadError') return `The video manifest could not be loaded${status ? ` (HTTP ${status})` : ''}.`;
  if (data.type === 'networkError') return 'The video stopped loading — network error.';
  if (data.type === 'mediaError') return 'The video could not be decoded by this browser.';
  return `Playback error: ${data.details || data.type}`;
}

function createDash(dashjs, video, url, hooks, opts) {
  const player = dashjs.MediaPlayer().create();
  const events = dashjs.MediaPlayer.events;
  const settings = {
    debug: { logLevel: 3 /* warning */ },
    streaming: {
      abr: { autoSwitchBitrate: { video: true } },
      buffer: { fastSwitchEnabled: true },
    },
  };
  if (opts.abrTest) {
    settings.streaming.abr.initialBitrate = { video: 20000 }; // kbit/s: start at the top
    settings.streaming.buffer.stableBufferTime = 6;
    settings.streaming.buffer.bufferTimeAtTopQuality = 8;
    settings.streaming.buffer.bufferTimeAtTopQualityLongForm = 8;
  }
  player.updateSettings(settings);
  if (opts.rewrite) {
    player.addRequestInterceptor((request) => {
      request.url = opts.rewrite(request.url);
      return Promise.resolve(request);
    });
  }
  if (opts.learn) {
    player.addResponseInterceptor((response) => {
      if (response && typeof response.data === 'string') {
        try { opts.learn(response.data); } catch (err) { console.warn('lectern: reading the MPD', err); }
      }
      return Promise.resolve(response);
    });
  }

  const reps = () => {
    try { return player.getRepresentationsByType('video') || []; } catch { return []; }
  };
  const toLevel = (r, i) => ({
    index: i,
    id: r.id,
    height: r.height || 0,
    width: r.width || 0,
    bitrate: r.bandwidth || (r.bitrateInKbit ? r.bitrateInKbit * 1000 : 0),
  });
  const levels = () => reps().map(toLevel);
  const indexOfRep = (rep) => {
    if (!rep) return -1;
    return reps().findIndex((r) => r.id === rep.id);
  };
  let rendered = null; // representation last reported as rendered (what is on screen)
  let auto = true;

  player.on(events.STREAM_INITIALIZED, () => hooks.onLevels(levels()));
  player.on(events.QUALITY_CHANGE_RENDERED, (e) => {
    if (e.mediaType !== 'video') return;
    rendered = e.newRepresentation;
    const i = indexOfRep(rendered);
    if (i >= 0) hooks.onSwitch(toLevel(reps()[i], i));
  });
  player.on(events.ERROR, (e) => {
    const err = e && e.error;
    const msg = err && (err.message || err.code) ? `Playback error: ${err.message || err.code}` : 'Playback error.';
    hooks.onError(msg);
  });
  player.on(events.PLAYBACK_ERROR, (e) => {
    const err = e && e.error;
    hooks.onError(`Playback error: ${(err && err.message) || 'the video could not be played'}`);
  });
  if (opts.startAt > 0) player.initialize(video, url, !!opts.autoplay, opts.startAt);
  else player.initialize(video, url, !!opts.autoplay);

  return {
    engine: 'dash',
    impl: player,
    levels,
    currentLevel() {
      // dash.js v5: QUALITY_CHANGE_RENDERED tells what is on screen; before the first
      // one fires, the representation being loaded is the one that will play.
      const rep = rendered || player.getCurrentRepresentationForType('video');
      const i = indexOfRep(rep);
      return i >= 0 ? toLevel(reps()[i], i) : null;
    },
    isAuto: () => auto,
    setLevel(i) {
      auto = i < 0;
      player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: auto } } } });
      const r = reps()[i];
      // forceReplace: replace what is already buffered, so a pick shows within a segment
      // or two instead of after the whole forward buffer has played out.
      if (!auto && r) player.setRepresentationForTypeById('video', r.id, true);
    },
    destroy: () => player.destroy(),
  };
}

function createNative(video, url, hooks, opts = {}) {
  const startAt = opts.startAt > 0 ? opts.startAt : 0;
  const onStart = () => { if (startAt && video.currentTime < startAt - 0.5) video.currentTime = startAt; };
  if (startAt) video.addEventListener('loadedmetadata', onStart, { once: true });
  const onError = () => {
    const code = video.error && video.error.code;
    if (code) hooks.onError(code === 4 ? 'This browser cannot play the video.' : 'The video stopped loading — network or decode error.');
  };
  const onMeta = () => hooks.onSwitch({ index: -1, height: video.videoHeight, bitrate: 0 });
  video.addEventListener('error', onError);
  video.addEventListener('resize', onMeta);
  video.src = url;
  hooks.onLevels([]);
  return {
    engine: 'native',
    impl: null,
    levels: () => [],
    currentLevel: () => (video.videoHeight ? { index: -1, height: video.videoHeight, bitrate: 0 } : null),
    isAuto: () => true,
    setLevel() {},
    destroy() {
      video.removeEventListener('loadedmetadata', onStart);
      video.removeEventListener('error', onError);
      video.removeEventListener('resize', onMeta);
      video.removeAttribute('src');
      video.load();
    },
  };
}
