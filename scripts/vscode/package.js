#!/usr/bin/env node
// Packages the extension as one platform-specific .vsix per target
// (scripts/vscode/targets.js) with vsce, from the esbuild bundles in dist/
// (run `npm run bundle` first; `npm run package` does). Each target is staged
// in a temporary folder: the bundles, onnxruntime-node's JS with that
// target's binaries only, and for linux-x64 the ExecuTorch addon as
// dist/native/executorch.node (built by native/, found with native/locate.js).
// Then the .vsix itself is read back: any native file other than the ones
// expected, or a missing one, fails the build. Prints each package's size and
// native files. Usage: node scripts/vscode/package.js [--target T]…
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { TARGETS, copyOnnxRuntime } = require('./targets');

const root = path.join(__dirname, '..', '..');
const NATIVE_FILE = /\.(node|so|dylib|dll)(\.\d+)*$/;
const ADDON = 'dist/native/executorch.node';
const BUNDLES = [
  'dist/extension.js',
  'dist/runWorker.js',
  'dist/webview/editor.js',
  'dist/webview/diff.js',
  'dist/webview/run.js',
  'dist/codicons/codicon.css',
];

function vsixPath(target = 'linux-x64') {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return path.join(root, `${name}-${target}-${version}.vsix`);
}

/**
 * The built ExecuTorch addon for linux-x64: required once native/ exists
 * (its build script says where it put the addon), absent before.
 */
function executorchAddon() {
  const locate = path.join(root, 'native', 'locate.js');
  if (!fs.existsSync(locate)) return null;
  let file;
  try {
    file = execFileSync(process.execPath, [locate], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (e) {
    throw new Error(
      `native/locate.js found no ExecuTorch addon (${String(e.stderr || e.message).trim()}): build it before packaging linux-x64`,
    );
  }
  if (!file || !fs.existsSync(file))
    throw new Error(`the ExecuTorch addon ${file || '(no path)'} is missing: build it before packaging linux-x64`);
  return file;
}

/** Copies what the package carries for `target` into `stage`; returns the native files expected in it. */
function stage(target, dir) {
  const spec = TARGETS[target];
  const copy = (rel, filter) => fs.cpSync(path.join(root, rel), path.join(dir, rel), { recursive: true, filter });
  for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'media', 'dist']) {
    copy(f, (src) => {
      const rel = path.relative(root, src).split(path.sep).join('/');
      return !/^dist\/(node_modules|native|pte-explorer\.js)|\.map$|^media\/screenshots/.test(rel);
    });
  }
  const binaries = copyOnnxRuntime(path.join(dir, 'dist', 'node_modules'), target).map((b) => `dist/node_modules/${b}`);
  const addon = spec.executorch ? executorchAddon() : null;
  if (addon) {
    fs.mkdirSync(path.join(dir, 'dist', 'native'), { recursive: true });
    fs.copyFileSync(addon, path.join(dir, ADDON));
  }
  return addon ? [...binaries, ADDON] : binaries;
}

/** Every file in a .vsix with its uncompressed size, as `extension/...` paths without the prefix. */
function vsixEntries(file) {
  const yauzl = require(
    require.resolve('yauzl', { paths: [path.dirname(require.resolve('@vscode/vsce/package.json'))] }),
  );
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const entries = [];
      zip.on('entry', (e) => {
        if (e.fileName.startsWith('extension/'))
          entries.push({ name: e.fileName.slice('extension/'.length), size: e.uncompressedSize });
        zip.readEntry();
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Fails unless the package's native files are exactly the expected ones. */
function checkNatives(target, entries, expected) {
  const natives = entries.filter((e) => NATIVE_FILE.test(e.name));
  const unexpected = natives.filter((e) => !expected.includes(e.name)).map((e) => e.name);
  if (unexpected.length)
    throw new Error(`${target}: the package carries native files it must not: ${unexpected.join(', ')}`);
  const absent = expected.filter((f) => !natives.some((e) => e.name === f));
  if (absent.length) throw new Error(`${target}: the package lacks native files: ${absent.join(', ')}`);
  return natives.sort((a, b) => a.name.localeCompare(b.name));
}

const mib = (n) => `${(n / 1024 ** 2).toFixed(1)} MiB`;

async function packageTarget(target) {
  const file = vsixPath(target);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pte-explorer-vsix-${target}-`));
  try {
    const expected = stage(target, dir);
    const vsce = require.resolve('@vscode/vsce/vsce');
    execFileSync(
      process.execPath,
      [
        vsce,
        'package',
        '--target',
        target,
        '--no-dependencies',
        '--ignoreFile',
        path.join(__dirname, 'vscodeignore'),
        '--out',
        file,
      ],
      { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const entries = await vsixEntries(file);
    const natives = checkNatives(target, entries, expected);
    const size = fs.statSync(file).size;
    console.log(
      `${path.relative(process.cwd(), file)}: ${mib(size)} (${size} bytes), ${entries.length} files; native files:`,
    );
    for (const n of natives) console.log(`  ${n.name} (${mib(n.size)})`);
    return file;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the .vsix of each target (all by default); returns their paths. */
async function packageExtension(targets = Object.keys(TARGETS)) {
  for (const needed of BUNDLES) {
    if (!fs.existsSync(path.join(root, needed))) throw new Error(`${needed} is missing: run npm run bundle`);
  }
  const files = [];
  for (const t of targets) {
    if (!TARGETS[t]) throw new Error(`unknown target ${t}: one of ${Object.keys(TARGETS).join(', ')}`);
    files.push(await packageTarget(t));
  }
  return files;
}

module.exports = { packageExtension, vsixPath, checkNatives };

if (require.main === module) {
  const { values } = parseArgs({ options: { target: { type: 'string', multiple: true } } });
  packageExtension(values.target).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
