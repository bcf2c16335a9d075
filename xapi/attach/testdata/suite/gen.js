// Regenerates the signed-statement request bodies in this directory with the
// ADL LRS conformance suite's own helper (helper.signStatement), as used by
// test/v*/E.Data2.6-SignedStatements.js:
//
//	node gen.js /path/to/lrs-conformance-test-suite .
//
// Every body uses the boundary -------1234567890.
const [suite, out] = process.argv.slice(2);
const fs = require('fs');
const helper = require(`${suite}/test/helper.js`);
const statement = JSON.parse(fs.readFileSync(`${suite}/test/v1_0_3/templates/statements/default.json`));

const cases = {
  rs256: {},
  rs384: {algorithm: 'RS384'},
  rs512: {algorithm: 'RS512'},
  hs256: {algorithm: 'HS256'},
  breakjson: {breakJson: true},
  badcontenttype: {attachmentInfo: {contentType: 'text/plain; charset=ascii'}},
};
for (const [name, options] of Object.entries(cases)) {
  const data = JSON.parse(JSON.stringify(statement));
  data.id = '2e2f1ad7-8d10-4c73-ae6e-2842729e25ce';
  options.boundary = '-------1234567890';
  fs.writeFileSync(`${out}/${name}.multipart`, helper.signStatement(data, options));
}
