#!/usr/bin/env node
// Packages the extension as a platform-specific .vsix (linux-x64) with vsce,
// from the esbuild bundles in dist/ (run `npm run bundle` first; `npm run
// package` does). Only what scripts/vscode/vscodeignore lets through goes in:
// no node_modules, except the copy of onnxruntime-node that scripts/bundle.js
// puts in dist/node_modules, whose linux-x64 CPU binaries are the only native
// files allowed (and required). Prints the path, size and contents.
// Usage: node scripts/vscode/package.js [out.vsix]
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');
const TARGET = 'linux-x64';
/** The native files the package must carry, exactly: onnxruntime-node's binding and library for the target. */
const NATIVES = [
  'dist/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
  'dist/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
];

function vsixPath(out) {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return path.resolve(out ?? path.join(root, `${name}-${TARGET}-${version}.vsix`));
}

function packageExtension(out) {
  for (const needed of ['dist/extension.js', 'dist/runWorker.js', 'dist/webview/editor.js', 'dist/webview/diff.js', 'dist/webview/run.js', 'dist/codicons/codicon.css', 'dist/node_modules/onnxruntime-node/dist/index.js', ...NATIVES]) {
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
  const natives = listing.filter((f) => /\.(node|so|dylib|dll)(\.\d+)*$/.test(f)).sort();
  const unexpected = natives.filter((f) => !NATIVES.includes(f));
  if (unexpected.length) throw new Error(`the package carries native binaries it does not need: ${unexpected.join(', ')}`);
  const absent = NATIVES.filter((f) => !natives.includes(f));
  if (absent.length) throw new Error(`the package lacks onnxruntime-node's native files: ${absent.join(', ')}`);
  const size = fs.statSync(file).size;
  console.log(`${path.relative(process.cwd(), file)}: ${(size / 1024 ** 2).toFixed(1)} MiB (${size} bytes), ${listing.length} files: ${listing.join(', ')}`);
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
