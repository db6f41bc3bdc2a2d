#!/usr/bin/env node
// Packs the command-line tool as its own npm package, pte-explorer-<version>.tgz:
// packages/cli (package.json, bin, README) with the esbuild CLI bundle, the
// LICENSE, and, where native/ has built it, the ExecuTorch addon as
// dist/native/executorch.node (optional: without it `run` uses onnxruntime and
// the reference interpreter). No VS Code parts. Version and the onnxruntime-node
// range come from the root package.json so the two cannot drift.
// Usage: node scripts/cli/pack.js [destination folder]
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { bundleCli } = require('../bundle');

const root = path.join(__dirname, '..', '..');
const source = path.join(root, 'packages', 'cli');

/** The built ExecuTorch addon, or null (with the reason) when native/ has none for this machine. */
function executorchAddon() {
  const locate = path.join(root, 'native', 'locate.js');
  if (!fs.existsSync(locate)) return { file: null, why: 'no native/ in this tree' };
  try {
    const file = execFileSync(process.execPath, [locate], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    return file && fs.existsSync(file)
      ? { file, why: null }
      : { file: null, why: `native/locate.js names no built addon (${file || 'nothing'})` };
  } catch (e) {
    return { file: null, why: `native/locate.js failed: ${String(e.stderr || e.message).trim()}` };
  }
}

async function packCli(destination = root) {
  const stage = path.join(root, 'out', 'cli-package');
  fs.rmSync(stage, { recursive: true, force: true });
  fs.cpSync(source, stage, { recursive: true });
  fs.copyFileSync(path.join(root, 'LICENSE'), path.join(stage, 'LICENSE'));
  const rootPackage = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const manifest = JSON.parse(fs.readFileSync(path.join(stage, 'package.json'), 'utf8'));
  manifest.version = rootPackage.version;
  manifest.dependencies['onnxruntime-node'] = rootPackage.dependencies['onnxruntime-node'];
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await bundleCli(path.join(stage, 'dist'));
  const addon = executorchAddon();
  if (addon.file) {
    fs.mkdirSync(path.join(stage, 'dist', 'native'), { recursive: true });
    fs.copyFileSync(addon.file, path.join(stage, 'dist', 'native', 'executorch.node'));
  } else {
    console.log(`pte-explorer CLI package without the ExecuTorch addon: ${addon.why}`);
  }
  fs.mkdirSync(destination, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const [packed] = JSON.parse(
    execFileSync(npm, ['pack', '--json', '--pack-destination', path.resolve(destination)], {
      cwd: stage,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const file = path.join(path.resolve(destination), packed.filename);
  console.log(
    `${path.relative(process.cwd(), file)}: ${(packed.size / 1024 ** 2).toFixed(1)} MiB, ${packed.files
      .map((f) => f.path)
      .sort()
      .join(', ')}`,
  );
  return { file, files: packed.files.map((f) => f.path).sort() };
}

module.exports = { packCli };

if (require.main === module) {
  packCli(process.argv[2]).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
