#!/usr/bin/env node
// Bundles with esbuild: the CLI (dist/pte-explorer.js) with the executorch
// engine's child process (dist/nativeHost.js), the extension host
// (dist/extension.js; `vscode` is provided by VS Code) and its run worker
// (dist/runWorker.js), the webviews (dist/webview/*.js), the codicon font the
// webviews use (dist/codicons/) and the built ExecuTorch addon (dist/native/). Usage: node scripts/bundle.js [outdir]
'use strict';
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');
const { copyOnnxRuntime, hostTarget } = require('./vscode/targets');

const root = path.join(__dirname, '..');

// Native addons (onnxruntime-node) load from node_modules at run time; they cannot be bundled.
const nodeOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  external: ['onnxruntime-node'],
};

/** The CLI alone, as dist/pte-explorer.js (also what the CLI package ships and the CLI tests run). */
function bundleCli(outDir = path.join(root, 'dist')) {
  return esbuild
    .build({
      ...nodeOptions,
      entryPoints: { 'pte-explorer': path.join(root, 'runtime', 'cli', 'main.ts') },
      outdir: outDir,
      footer: { js: 'if (require.main === module) module.exports.main();' },
    })
    .then(() =>
      esbuild.build({
        ...nodeOptions,
        // The executorch engine's child process, started by the CLI and the run worker (nativeClient.ts finds it beside them).
        entryPoints: { nativeHost: path.join(root, 'runtime', 'exec', 'native', 'nativeHost.ts') },
        outdir: outDir,
      }),
    );
}

/**
 * The graph tab's layout worker (ELK) is bundled on its own and handed to the
 * editor bundle as text: the page starts it from a blob URL, since a webview
 * page loads nothing else.
 */
async function layoutWorkerPlugin() {
  const worker = await esbuild.build({
    entryPoints: [path.join(root, 'webview', 'graph', 'layoutWorker.ts')],
    bundle: true,
    platform: 'browser',
    target: 'chrome120',
    format: 'iife',
    minify: true,
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const text = worker.outputFiles[0].text;
  return {
    name: 'graph-layout-worker-source',
    setup(build) {
      build.onResolve({ filter: /^graph-layout-worker-source$/ }, () => ({
        path: 'graph-layout-worker-source',
        namespace: 'worker-source',
      }));
      build.onLoad({ filter: /.*/, namespace: 'worker-source' }, () => ({ contents: text, loader: 'text' }));
    },
  };
}

async function bundle(outDir = path.join(root, 'dist')) {
  const workerPlugin = await layoutWorkerPlugin();
  await Promise.all([
    bundleCli(outDir),
    esbuild.build({
      ...nodeOptions,
      entryPoints: {
        extension: path.join(root, 'extension', 'extension.ts'),
        runWorker: path.join(root, 'extension', 'run', 'runWorker.ts'),
      },
      outdir: outDir,
      external: ['vscode', 'onnxruntime-node'],
    }),
    esbuild.build({
      entryPoints: {
        editor: path.join(root, 'webview', 'main.ts'),
        diff: path.join(root, 'webview', 'diff', 'main.ts'),
        run: path.join(root, 'webview', 'run', 'main.ts'),
      },
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
  for (const f of ['codicon.css', 'codicon.ttf'])
    fs.copyFileSync(path.join(codicons, f), path.join(outDir, 'codicons', f));
  // onnxruntime-node cannot be bundled (a native addon it requires by a computed path): dist/node_modules
  // gets its JS and this machine's binaries; scripts/vscode/package.js stages each target's own.
  const host = hostTarget();
  if (host) copyOnnxRuntime(path.join(outDir, 'node_modules'), host);
  else console.warn(`no onnxruntime-node binaries for ${process.platform}-${process.arch} in dist/node_modules`);
  copyNativeAddon(outDir);
  return outDir;
}

/**
 * dist/native/executorch.node: the ExecuTorch addon built for the current native/ sources, where the
 * extension and the CLI look first (a test harness with its own cache folder finds it there too).
 * A stale copy is removed when none is built, so an old runtime is never picked up.
 */
function copyNativeAddon(outDir) {
  const target = path.join(outDir, 'native', 'executorch.node');
  const { locate } = require(path.join(root, 'native', 'cacheKey.js'));
  const found = locate();
  fs.rmSync(target, { force: true });
  if (!found.path) {
    console.warn(`no ExecuTorch addon in ${path.relative(root, target)}: it is ${found.reason}`);
    return;
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(found.path, target);
}

module.exports = { bundle, bundleCli };

if (require.main === module) {
  bundle(process.argv[2]).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
