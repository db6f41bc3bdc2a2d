#!/usr/bin/env node
// Regenerates runtime/format/generated/ from runtime/format/schema/*.fbs with
// the pinned flatc (Debian's flatbuffers-compiler 2.0.8). With --check DIR it
// writes to DIR instead, so a test can compare against the committed output.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const FLATC_VERSION = '2.0.8';
const root = path.resolve(__dirname, '..');
const schemaDir = path.join(root, 'runtime', 'format', 'schema');
const generatedDir = path.join(root, 'runtime', 'format', 'generated');

function flatcVersion() {
  try {
    return execFileSync('flatc', ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

function generate(outDir) {
  const version = flatcVersion();
  if (version !== `flatc version ${FLATC_VERSION}`) {
    throw new Error(
      `flatc ${FLATC_VERSION} is required (apt-get install flatbuffers-compiler), found: ${version ?? 'none'}`,
    );
  }
  const schemas = fs
    .readdirSync(schemaDir)
    .filter((f) => f.endsWith('.fbs'))
    .sort();
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  execFileSync('flatc', ['--ts', '-o', outDir, ...schemas.map((s) => path.join(schemaDir, s))], { stdio: 'inherit' });
}

module.exports = { generate, generatedDir, schemaDir };

if (require.main === module) {
  const i = process.argv.indexOf('--check');
  generate(i >= 0 ? path.resolve(process.argv[i + 1]) : generatedDir);
}
