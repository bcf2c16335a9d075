// Seek-preview thumbnails: the thumbnails WebVTT, its sprite images preloaded,
// and the frame to show for a time (spriteFrame is pure; unit tested).
import { parseThumbnailsVtt, cueAt } from '../vtt.js';

/**
 * CSS for the preview image of a cue, scaled to at most 192 px wide (and 1.25×).
 * @param {{url:string,x:number,y:number,w:number,h:number}} cue  w/h 0: the whole image
 * @param {{naturalWidth:number,naturalHeight:number}} [img]  the sprite, once loaded
 * @returns {{width:number, style:{width:string,height:string,backgroundImage:string,backgroundSize:string,backgroundPosition:string}}}
 */
export function spriteFrame(cue, img) {
  const natW = img && img.naturalWidth;
  const natH = img && img.naturalHeight;
  const cw = cue.w || natW || 160;
  const ch = cue.h || natH || 90;
  const scale = Math.min(1.25, 192 / cw);
  const width = Math.round(cw * scale);
  const region = cue.w && natW;
  return {
    width,
    style: {
      width: `${width}px`,
      height: `${Math.round(ch * scale)}px`,
      backgroundImage: `url("${cue.url.replace(/"/g, '%22')}")`,
      backgroundSize: region ? `${natW * scale}px ${natH * scale}px` : 'cover',
      backgroundPosition: region ? `${-cue.x * scale}px ${-cue.y * scale}px` : 'center',
    },
  };
}

/** → {load(url), frameAt(t)}: frameAt is null until the track is loaded (or when it has no cues). */
export function createThumbnails() {
  let cues = [];
  const sprites = new Map(); // url -> HTMLImageElement

  async function load(url) {
    try {
      const res = await fetch(url, { mode: 'cors' });
      if (!res.ok) return;
      cues = parseThumbnailsVtt(await res.text(), res.url || url);
      for (const u of new Set(cues.map((c) => c.url))) {
        const img = new Image();
        img.decoding = 'async';
        img.src = u;
        sprites.set(u, img);
      }
    } catch (err) {
      console.warn('lectern: thumbnails unavailable', err);
    }
  }

  function frameAt(t) {
    const cue = cues.length ? cueAt(cues, t) : null;
    return cue ? spriteFrame(cue, sprites.get(cue.url)) : null;
  }

  return { load, frameAt };
}
