// Reads the conformance suite's run log (JSON, its logs/<uuid>.log) and
// prints one line of figures ({"total","passed","failed","not_run"}) then
// each failed test: its groups, its title and the suite's error.
// Exits 0 only when every test ran and none failed.
'use strict';
const fs = require('fs');

const run = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const s = run.summary || {};
const notRun = (s.total || 0) - (s.passed || 0) - (s.failed || 0);
console.log(JSON.stringify({ version: s.version, total: s.total, passed: s.passed, failed: s.failed, not_run: notRun }));

const limit = Number(process.env.LRS_SHOW || 200);
let shown = 0;
function walk(node, path) {
  const here = node.title ? path.concat(node.title) : path;
  const children = node.tests || [];
  if (children.length === 0 && node.status === 'failed') {
    if (shown++ < limit) {
      const err = (node.error || node.err || node.message || '').toString().split('\n')[0].slice(0, 300);
      console.log('FAIL ' + here.map((t) => t.slice(0, 90)).join(' › ') + (err ? '\n     ' + err : ''));
    }
  }
  for (const c of children) walk(c, here);
}
walk(run.log || {}, []);
if (shown > limit) console.log(`... and ${shown - limit} more`);
process.exit(s.failed === 0 && notRun === 0 && s.total > 0 ? 0 : 1);
