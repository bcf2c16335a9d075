// clamp(v, lo, hi): v limited to [lo, hi].
export function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }
