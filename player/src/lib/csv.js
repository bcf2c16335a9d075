// CSV parsing for the bulk-import preview (RFC 4180: quoted fields, "" escapes,
// CRLF/LF, a BOM). The server parses the file again for real; this only shows
// the admin what they are about to send. Pure; unit tested.

/** Rows of fields. Blank lines are skipped. */
export function parseCsv(text) {
  const s = String(text || '').replace(/^\uFEFF/, '');
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = () => {
    row.push(field);
    field = '';
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
    row = [];
  };
  while (i < s.length) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"' && field === '') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && s[i + 1] === '\n') { endRow(); i += 2; continue; }
    if (c === '\n' || c === '\r') { endRow(); i++; continue; }
    field += c; i++;
  }
  if (field !== '' || row.length) endRow();
  return rows;
}

/**
 * What the preview shows: the header (lower-cased, trimmed), the number of data
 * rows, the first few rows as objects, and problems found before sending:
 * missing required columns, rows with the wrong number of fields.
 * @param {string} text
 * @param {{required?: string[][], sample?: number}} o  required: alternatives, e.g. [['email','external_id','user_id']]
 */
export function csvPreview(text, o = {}) {
  const rows = parseCsv(text);
  const sampleSize = o.sample ?? 5;
  if (rows.length === 0) return { header: [], count: 0, sample: [], problems: ['The file is empty.'] };
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const data = rows.slice(1);
  const problems = [];
  for (const alternatives of o.required || []) {
    if (!alternatives.some((c) => header.includes(c))) {
      problems.push(`Missing a column: ${alternatives.join(' or ')}.`);
    }
  }
  const ragged = [];
  data.forEach((r, i) => { if (r.length !== header.length) ragged.push(i + 2); });
  if (ragged.length) {
    const shown = ragged.slice(0, 5).join(', ');
    problems.push(`${ragged.length} row${ragged.length === 1 ? ' has' : 's have'} a different number of fields than the header (line${ragged.length === 1 ? '' : 's'} ${shown}${ragged.length > 5 ? ', …' : ''}).`);
  }
  const sample = data.slice(0, sampleSize).map((r) => Object.fromEntries(header.map((h, j) => [h, r[j] ?? ''])));
  return { header, count: data.length, sample, problems };
}
