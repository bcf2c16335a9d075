// Small formatting helpers shared by the watch and upload pages (pure, unit tested).

/** 75.4 -> "1:15", 3725 -> "1:02:05"; NaN/Infinity -> "0:00". */
export function formatTime(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Spoken form for aria-valuetext: "1 minute 15 seconds". */
export function spokenTime(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) seconds = 0;
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const parts = [];
  if (h) parts.push(`${h} hour${h === 1 ? '' : 's'}`);
  if (m) parts.push(`${m} minute${m === 1 ? '' : 's'}`);
  if (sec || !parts.length) parts.push(`${sec} second${sec === 1 ? '' : 's'}`);
  return parts.join(' ');
}

/** 1536 -> "1.5 KB", binary multiples, one decimal from KB up. */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) bytes = 0;
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = bytes;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** bytes per second -> "2.4 MB/s" (MB = 2^20 bytes, matching formatBytes). */
export function formatRate(bytesPerSecond) {
  if (!Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return '—';
  const mb = bytesPerSecond / (1024 * 1024);
  if (mb >= 0.1) return `${mb.toFixed(mb >= 10 ? 0 : 1)} MB/s`;
  return `${Math.max(1, Math.round(bytesPerSecond / 1024))} KB/s`;
}

/** seconds -> "about 3 min left" style ETA text. */
export function formatEta(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 1) return 'almost done';
  if (seconds < 60) return `${Math.ceil(seconds)} s left`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min left`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return `${h} h ${m} min left`;
}

/** Rendition label for the quality menu: "720p · 2.9 Mbps", "180p · 350 kbps". */
export function levelLabel(level) {
  const name = level.height ? `${level.height}p` : `Level ${level.index + 1}`;
  if (!level.bitrate) return name;
  const mbps = level.bitrate / 1e6;
  const rate = mbps >= 1 ? `${mbps.toFixed(1)} Mbps` : `${Math.round(level.bitrate / 1000)} kbps`;
  return `${name} · ${rate}`;
}

/** Short form used on the quality button: "720p", "Auto". */
export function levelShort(level) {
  if (!level) return 'Auto';
  return level.height ? `${level.height}p` : `L${level.index + 1}`;
}
