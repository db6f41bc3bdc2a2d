#!/usr/bin/env node
// Bundles the CLI into one file with esbuild (the extension and webviews join
// here as they are written). Usage: node scripts/bundle.js [outdir]
'use strict';
const esbuild = require('esbuild');
const path = require('node:path');

async function bundle(outDir = path.join(__dirname, '..', 'dist')) {
  await esbuild.build({
    entryPoints: { 'pte-explorer': path.join(__dirname, '..', 'runtime', 'cli', 'main.ts') },
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
    // Native addons load from node_modules at run time; they cannot be bundled.
    external: ['onnxruntime-node'],
    footer: { js: 'if (require.main === module) module.exports.main();' },
  });
  return outDir;
}

module.exports = { bundle };

if (require.main === module) {
  bundle(process.argv[2]).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
