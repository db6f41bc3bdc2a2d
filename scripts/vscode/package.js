#!/usr/bin/env node
// Packages the extension as a platform-specific .vsix (linux-x64) with vsce,
// from the esbuild bundles in dist/ (run `npm run bundle` first; `npm run
// package` does). Only what scripts/vscode/vscodeignore lets through goes in:
// no node_modules and so no native binaries, since the extension needs none
// yet. Prints the path, size and contents of the package.
// Usage: node scripts/vscode/package.js [out.vsix]
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const TARGET = 'linux-x64';

function vsixPath(out) {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return path.resolve(out ?? path.join(root, `${name}-${TARGET}-${version}.vsix`));
}

function packageExtension(out) {
  for (const needed of ['dist/extension.js', 'dist/webview/editor.js', 'dist/codicons/codicon.css']) {
    if (!fs.existsSync(path.join(root, needed))) throw new Error(`${needed} is missing: run npm run bundle`);
  }
  const file = vsixPath(out);
  const vsce = require.resolve('@vscode/vsce/vsce');
  execFileSync(process.execPath, [
    vsce, 'package', '--target', TARGET, '--no-dependencies', '--ignoreFile', 'scripts/vscode/vscodeignore',
    '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', file,
  ], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const listing = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies', '--ignoreFile', 'scripts/vscode/vscodeignore'], { cwd: root, encoding: 'utf8' })
    .split('\n').filter(Boolean);
  const natives = listing.filter((f) => /\.(node|so|dylib|dll)$/.test(f));
  if (natives.length) throw new Error(`the package carries native binaries it does not need: ${natives.join(', ')}`);
  console.log(`${path.relative(process.cwd(), file)}: ${(fs.statSync(file).size / 1024).toFixed(0)} KiB, ${listing.length} files: ${listing.join(', ')}`);
  return file;
}

module.exports = { packageExtension, vsixPath };

if (require.main === module) {
  try {
    packageExtension(process.argv[2]);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
