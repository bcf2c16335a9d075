// What the quality button and menu show (pure; unit tested).
import { levelLabel, levelShort } from '../format.js';

/**
 * @param {{index:number,height:number,bitrate:number}[]} levels  at least two (else the menu is hidden)
 * @param {boolean} auto  ABR on
 * @param {object|null} playing  the rendition on screen
 * @returns {{label:string, ariaLabel:string, items:{label:string,hint?:string,value:number,checked:boolean}[]}}
 *   items: Auto (value -1), then the renditions from the highest; value = engine level index
 */
export function qualityView(levels, auto, playing) {
  const short = playing ? levelShort(playing) : '';
  const label = auto ? (short ? `Auto · ${short}` : 'Auto') : levelShort(playing || levels[0]);
  const ariaLabel = `Quality: ${auto ? 'Auto' : ''}${short ? ` ${short}` : ''}`.trim();
  const sorted = levels.slice().sort((a, b) => (b.height - a.height) || (b.bitrate - a.bitrate));
  const items = [
    { label: 'Auto', hint: auto && short ? short : '', value: -1, checked: auto },
    ...sorted.map((l) => ({ label: levelLabel(l), value: l.index, checked: !!(!auto && playing && playing.index === l.index) })),
  ];
  return { label, ariaLabel, items };
}

/** On-screen note after picking level index i (-1 = Auto). */
export function qualityNote(levels, i) {
  return i < 0 ? 'Quality: Auto' : `Quality: ${levelShort(levels.find((l) => l.index === i))}`;
}
