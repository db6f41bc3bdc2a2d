#!/usr/bin/env node
'use strict';
// Prints the path of the built addon for the current sources and native/
// files; exits 1 (reason on stderr) when it is not built.
// `--key <sourceId>` / `--source-id` print the pieces build.sh needs.
const { locate, sourceId, buildKey, cacheRoot } = require('./cacheKey');

const [flag, arg] = process.argv.slice(2);
if (flag === '--source-id') {
  const id = sourceId();
  if (!id) process.exit(1);
  console.log(id);
} else if (flag === '--key') {
  console.log(buildKey(arg));
} else if (flag === '--cache') {
  console.log(cacheRoot());
} else {
  const found = locate();
  if (!found.path) {
    console.error(`ExecuTorch addon ${found.reason}; build it with: bash native/build.sh`);
    process.exit(1);
  }
  console.log(found.path);
}
