// Chunk arithmetic for the resumable upload protocol (pure, unit tested).
//
// Part n (1-based) covers bytes [(n-1)*chunkSize, min(n*chunkSize, size)).

export function partCount(size, chunkSize) {
  if (size <= 0) return 1; // an empty file is still one (empty) part
  return Math.ceil(size / chunkSize);
}

export function partRange(n, chunkSize, size) {
  const start = (n - 1) * chunkSize;
  const end = Math.min(n * chunkSize, size);
  return { start, end, size: Math.max(0, end - start) };
}

/**
 * Which parts still need sending, given the server's view of the upload.
 * A part counts as received only when the server has it with the size we
 * expect for that part number (a short/odd part is sent again).
 * @param {{size:number,chunk_size:number,parts_total?:number,received?:{part:number,size:number}[]}} upload
 * @returns {{todo:number[], doneBytes:number, total:number}}
 */
export function pendingParts(upload) {
  const size = upload.size;
  const chunk = upload.chunk_size;
  const total = upload.parts_total || partCount(size, chunk);
  const have = new Map();
  for (const r of upload.received || []) have.set(Number(r.part), Number(r.size));
  const todo = [];
  let doneBytes = 0;
  for (let n = 1; n <= total; n++) {
    const want = partRange(n, chunk, size).size;
    if (have.has(n) && have.get(n) === want) doneBytes += want;
    else todo.push(n);
  }
  return { todo, doneBytes, total };
}

/** Key under which a resumable upload is remembered in localStorage. */
export function resumeKey(file) {
  return `lectern.upload:${file.name}|${file.size}|${file.lastModified}`;
}

/** Exponential backoff with full jitter: attempt 1 -> up to 1 s, 2 -> 2 s … capped. */
export function backoffDelay(attempt, baseMs = 1000, capMs = 30000, rand = Math.random) {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + rand() * (ceiling / 2));
}

/** Lowercase hex of an ArrayBuffer. */
export function toHex(buffer) {
  const bytes = new Uint8Array(buffer);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, '0');
  return out;
}
