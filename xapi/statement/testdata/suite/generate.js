// Expands the statement tests that the ADL LRS conformance suite
// (github.com/adlnet/lrs-conformance-test-suite, MIT License) drives from
// its configs into one JSON line per test: the config file, the test's
// describe and it names, the HTTP status it expects for POST /statements
// and the statement it sends. The suite's own templating builds them, so
// they are byte for byte what it posts.
//
// Usage, from a checkout of the suite with its npm dependencies:
//
//	node generate.js v2_0 | gzip -9 > 2.0.0.jsonl.gz
//	node generate.js v1_0_3 | gzip -9 > 1.0.3.jsonl.gz
//
// SUITE names the checkout (default: the current directory).
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
const suite = path.resolve(process.env.SUITE || '.');
process.env.DIRECTORY = dir;
process.chdir(suite);
const helper = require(path.join(suite, 'test', 'helper.js'));

const configs = path.join(suite, 'test', dir, 'configs');
for (const file of fs.readdirSync(configs).filter(f => f.endsWith('.js')).sort()) {
  for (const group of require(path.join(configs, file)).config()) {
    for (const test of group.config) {
      let statement = test.json;
      if (test.templates) {
        const built = helper.createTestObject(helper.convertTemplate(test.templates));
        statement = built[Object.keys(built)[0]];
      }
      console.log(JSON.stringify({
        config: file, group: group.name, name: test.name,
        expect: test.expect[0], statement: statement,
      }));
    }
  }
}
