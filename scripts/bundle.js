#!/usr/bin/env node
// Bundles with esbuild: the CLI (dist/pte-explorer.js), the extension host
// (dist/extension.js; `vscode` is provided by VS Code) and its run worker
// (dist/runWorker.js), the editor webview
// (dist/webview/editor.js) and the codicon font the webview uses
// (dist/codicons/). Usage: node scripts/bundle.js [outdir]
'use strict';
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

// Native addons (onnxruntime-node) load from node_modules at run time; they cannot be bundled.
const nodeOptions = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning', external: ['onnxruntime-node'] };

/**
 * The graph tab's layout worker (ELK) is bundled on its own and handed to the
 * editor bundle as text: the page starts it from a blob URL, since a webview
 * page loads nothing else.
 */
async function layoutWorkerPlugin() {
  const worker = await esbuild.build({
    entryPoints: [path.join(root, 'webview', 'graph', 'layoutWorker.ts')],
    bundle: true, platform: 'browser', target: 'chrome120', format: 'iife', minify: true, write: false, legalComments: 'none', logLevel: 'warning',
  });
  const text = worker.outputFiles[0].text;
  return {
    name: 'graph-layout-worker-source',
    setup(build) {
      build.onResolve({ filter: /^graph-layout-worker-source$/ }, () => ({ path: 'graph-layout-worker-source', namespace: 'worker-source' }));
      build.onLoad({ filter: /.*/, namespace: 'worker-source' }, () => ({ contents: text, loader: 'text' }));
    },
  };
}

async function bundle(outDir = path.join(root, 'dist')) {
  const workerPlugin = await layoutWorkerPlugin();
  await Promise.all([
    esbuild.build({
      ...nodeOptions,
      entryPoints: { 'pte-explorer': path.join(root, 'runtime', 'cli', 'main.ts') },
      outdir: outDir,
      footer: { js: 'if (require.main === module) module.exports.main();' },
    }),
    esbuild.build({
      ...nodeOptions,
      entryPoints: { extension: path.join(root, 'extension', 'extension.ts'), runWorker: path.join(root, 'extension', 'run', 'runWorker.ts') },
      outdir: outDir,
      external: ['vscode', 'onnxruntime-node'],
    }),
    esbuild.build({
      entryPoints: { editor: path.join(root, 'webview', 'main.ts'), diff: path.join(root, 'webview', 'diff', 'main.ts'), run: path.join(root, 'webview', 'run', 'main.ts') },
      outdir: path.join(outDir, 'webview'),
      bundle: true,
      platform: 'browser',
      target: 'chrome120',
      format: 'iife',
      sourcemap: true,
      minify: true,
      legalComments: 'linked',
      logLevel: 'warning',
      plugins: [workerPlugin],
    }),
  ]);
  const codicons = path.join(path.dirname(require.resolve('@vscode/codicons/package.json')), 'dist');
  fs.mkdirSync(path.join(outDir, 'codicons'), { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(codicons, f), path.join(outDir, 'codicons', f));
  copyOnnxRuntime(path.join(outDir, 'node_modules'));
  return outDir;
}

/**
 * onnxruntime-node cannot be bundled (a native addon it requires by a computed
 * path): copy its JS, onnxruntime-common's CommonJS build and the linux-x64
 * CPU binaries only into dist/node_modules, where `require('onnxruntime-node')`
 * from dist/extension.js finds them in the packaged extension.
 */
function copyOnnxRuntime(modulesDir) {
  const copy = (from, to) => fs.cpSync(from, to, { recursive: true, filter: (f) => !f.endsWith('.map') && !f.endsWith('.d.ts') });
  const ort = path.dirname(require.resolve('onnxruntime-node/package.json'));
  // onnxruntime-common's exports map hides its package.json: walk up from its entry point.
  let common = path.dirname(require.resolve('onnxruntime-common', { paths: [ort] }));
  const isRoot = (dir) => fs.existsSync(path.join(dir, 'package.json')) && JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name === 'onnxruntime-common';
  while (!isRoot(common)) common = path.dirname(common);
  fs.rmSync(modulesDir, { recursive: true, force: true });
  const ortOut = path.join(modulesDir, 'onnxruntime-node');
  copy(path.join(ort, 'package.json'), path.join(ortOut, 'package.json'));
  copy(path.join(ort, 'dist'), path.join(ortOut, 'dist'));
  copy(path.join(ort, 'bin', 'napi-v6', 'linux', 'x64'), path.join(ortOut, 'bin', 'napi-v6', 'linux', 'x64'));
  const commonOut = path.join(modulesDir, 'onnxruntime-common');
  copy(path.join(common, 'package.json'), path.join(commonOut, 'package.json'));
  copy(path.join(common, 'dist', 'cjs'), path.join(commonOut, 'dist', 'cjs'));
}

module.exports = { bundle };

if (require.main === module) {
  bundle(process.argv[2]).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
