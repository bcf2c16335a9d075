// Chart geometry for the lesson analytics (pure; unit tested in
// test/charts.test.js): linear scales, the heatmap's bars and the drop-off
// curve's SVG path. The page draws them as inline SVG; no chart library.

/** A linear map from [d0, d1] to [r0, r1] (a flat domain maps to r0). */
export function linear(d0, d1, r0, r1) {
  const span = d1 - d0;
  return (v) => (span === 0 ? r0 : r0 + ((v - d0) / span) * (r1 - r0));
}

const r2 = (x) => Math.round(x * 100) / 100;

/**
 * Bars for values (one per bucket), bottom-aligned in a width × height box.
 * @returns {{x:number, y:number, w:number, h:number, value:number, index:number}[]}
 */
export function bars(values, { width, height, max = null, gap = 0 }) {
  const n = values.length;
  if (!n) return [];
  const top = max !== null ? max : Math.max(0, ...values.map((v) => Number(v) || 0));
  const y = linear(0, top || 1, height, 0);
  const w = width / n;
  return values.map((v, i) => {
    const value = Math.max(0, Number(v) || 0);
    const yy = y(value);
    return { x: r2(i * w), y: r2(yy), w: r2(Math.max(0, w - gap)), h: r2(height - yy), value, index: i };
  });
}

/**
 * The SVG path of fractions (0..1, one per bucket, evenly spread over the
 * width; 1 at the top), "M x y L x y …"; '' for no values.
 */
export function linePath(fractions, { width, height }) {
  const n = fractions.length;
  if (!n) return '';
  const x = linear(0, Math.max(1, n - 1), 0, width);
  const y = linear(0, 1, height, 0);
  return fractions.map((f, i) => {
    const v = Math.min(1, Math.max(0, Number(f) || 0));
    return `${i ? 'L' : 'M'}${r2(x(i))} ${r2(y(v))}`;
  }).join(' ');
}

/** Tick values 0, step, … ≤ max, about count of them at a "nice" step (1, 2, 5 × 10^k). */
export function ticks(max, count = 4) {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
  const out = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
  return out;
}

/** Time ↔ position on a strip of width px for a video of duration s (clamped). */
export function timeToX(t, duration, width) {
  if (!(duration > 0)) return 0;
  return Math.min(width, Math.max(0, (t / duration) * width));
}
export function xToTime(x, duration, width) {
  if (!(width > 0)) return 0;
  return Math.min(duration, Math.max(0, (x / width) * duration));
}

/** "42%" from a fraction, '—' for null. */
export function pct(f) {
  return f === null || f === undefined || !Number.isFinite(Number(f)) ? '—' : `${Math.round(Number(f) * 100)}%`;
}
