// The platforms the extension is packaged for, and which onnxruntime-node
// files each one carries. Shared by scripts/bundle.js (the host's copy in
// dist/) and scripts/vscode/package.js (one .vsix per target).
'use strict';
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/**
 * onnxruntime-node stopped shipping macOS x64 binaries after 1.23.2 (1.24.0
 * onwards has darwin/arm64 only). Intel Macs get that release, JS and
 * binaries together so the binding matches its loader; the ONNX the lowering
 * writes (opset 18) runs on it unchanged. Fetched with `npm pack` and checked
 * against the registry's integrity.
 */
const ORT_DARWIN_X64 = {
  node: {
    name: 'onnxruntime-node',
    version: '1.23.2',
    integrity: 'sha512-OBTsG0W8ddBVOeVVVychpVBS87A9YV5sa2hJ6lc025T97Le+J4v++PwSC4XFs1C62SWyNdof0Mh4KvnZgtt4aw==',
  },
  common: {
    name: 'onnxruntime-common',
    version: '1.23.2',
    integrity: 'sha512-5LFsC9Dukzp2WV6kNHYLNzp8sT6V02IubLCbzw2Xd6X5GOlr65gAX6xiJwyi2URJol/s71gaQLC5F2C25AAR2w==',
  },
};

/**
 * Per target: where onnxruntime-node comes from (`dependency` = the one in
 * node_modules), its binary folder under bin/napi-v6, and the files the
 * package carries from it: the binding and the library it links (CPU only:
 * DirectML and the DirectX shader compilers are loaded only by GPU execution
 * providers; the versioned darwin-arm64 dylib is a second copy of the one the
 * binding names, @rpath/libonnxruntime.1.dylib). `executorch`: the native
 * ExecuTorch engine is built for this target (from native/, on this host).
 */
const TARGETS = {
  'linux-x64': {
    ort: 'dependency',
    dir: 'linux/x64',
    files: ['libonnxruntime.so.1', 'onnxruntime_binding.node'],
    executorch: true,
  },
  'linux-arm64': {
    ort: 'dependency',
    dir: 'linux/arm64',
    files: ['libonnxruntime.so.1', 'onnxruntime_binding.node'],
    executorch: false,
  },
  'darwin-arm64': {
    ort: 'dependency',
    dir: 'darwin/arm64',
    files: ['libonnxruntime.1.dylib', 'onnxruntime_binding.node'],
    executorch: false,
  },
  'darwin-x64': {
    ort: ORT_DARWIN_X64,
    dir: 'darwin/x64',
    files: ['libonnxruntime.1.23.2.dylib', 'onnxruntime_binding.node'],
    executorch: false,
  },
  'win32-x64': {
    ort: 'dependency',
    dir: 'win32/x64',
    files: ['onnxruntime.dll', 'onnxruntime_binding.node'],
    executorch: false,
  },
};

/** The target of the machine this runs on (`linux-x64`), or undefined when none is packaged for it. */
function hostTarget() {
  const name = `${process.platform}-${process.arch}`;
  return name in TARGETS ? name : undefined;
}

/** onnxruntime-node's and onnxruntime-common's package folders for a target. */
function onnxRuntimeSource(target) {
  const spec = TARGETS[target];
  if (!spec) throw new Error(`unknown target ${target}: one of ${Object.keys(TARGETS).join(', ')}`);
  if (spec.ort === 'dependency') {
    const ort = path.dirname(require.resolve('onnxruntime-node/package.json'));
    return {
      ort,
      common: packageRoot('onnxruntime-common', path.dirname(require.resolve('onnxruntime-common', { paths: [ort] }))),
    };
  }
  return { ort: pinnedPackage(spec.ort.node), common: pinnedPackage(spec.ort.common) };
}

// onnxruntime-common's exports map hides its package.json: walk up from its entry point.
function packageRoot(name, dir) {
  const isRoot = (d) =>
    fs.existsSync(path.join(d, 'package.json')) &&
    JSON.parse(fs.readFileSync(path.join(d, 'package.json'), 'utf8')).name === name;
  while (!isRoot(dir)) {
    if (path.dirname(dir) === dir) throw new Error(`no package.json of ${name} above its entry point`);
    dir = path.dirname(dir);
  }
  return dir;
}

/** A registry package at a pinned version and integrity, unpacked once into the user's cache. */
function pinnedPackage({ name, version, integrity }) {
  const base = process.env.PTE_EXPLORER_PACKAGE_CACHE || path.join(os.homedir(), '.cache', 'pte-explorer', 'npm');
  const dir = path.join(base, `${name}-${version}`);
  if (fs.existsSync(path.join(dir, '.complete'))) return path.join(dir, 'package');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const [packed] = JSON.parse(
    execFileSync(npm, ['pack', `${name}@${version}`, '--json', '--pack-destination', dir], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const tarball = path.join(dir, packed.filename);
  const actual = `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`;
  if (actual !== integrity)
    throw new Error(`${name}@${version}: the registry's tarball has integrity ${actual}, expected ${integrity}`);
  execFileSync('tar', ['xzf', tarball, '-C', dir]);
  fs.rmSync(tarball);
  fs.writeFileSync(path.join(dir, '.complete'), '');
  return path.join(dir, 'package');
}

/**
 * Copies onnxruntime-node's JS, onnxruntime-common's CommonJS build and the
 * target's binaries (nothing else) into `modulesDir`, where
 * `require('onnxruntime-node')` from dist/extension.js finds them. Returns the
 * binaries' paths relative to `modulesDir`.
 */
function copyOnnxRuntime(modulesDir, target) {
  const spec = TARGETS[target];
  const { ort, common } = onnxRuntimeSource(target);
  const copy = (from, to) =>
    fs.cpSync(from, to, { recursive: true, filter: (f) => !f.endsWith('.map') && !f.endsWith('.d.ts') });
  fs.rmSync(modulesDir, { recursive: true, force: true });
  const ortOut = path.join(modulesDir, 'onnxruntime-node');
  copy(path.join(ort, 'package.json'), path.join(ortOut, 'package.json'));
  copy(path.join(ort, 'dist'), path.join(ortOut, 'dist'));
  const binaries = spec.files.map((f) => path.posix.join('onnxruntime-node', 'bin', 'napi-v6', spec.dir, f));
  for (const b of binaries) {
    const from = path.join(ort, 'bin', 'napi-v6', spec.dir, path.posix.basename(b));
    if (!fs.existsSync(from))
      throw new Error(
        `onnxruntime-node ${JSON.parse(fs.readFileSync(path.join(ort, 'package.json'), 'utf8')).version} has no ${spec.dir}/${path.posix.basename(b)}`,
      );
    copy(from, path.join(modulesDir, b));
  }
  // The binding loads its library by name (ELF NEEDED, Mach-O @rpath, PE import): that name must be the file carried.
  const binding = fs.readFileSync(
    path.join(
      modulesDir,
      binaries.find((b) => b.endsWith('onnxruntime_binding.node')),
    ),
  );
  for (const lib of spec.files.filter((f) => f !== 'onnxruntime_binding.node')) {
    if (!binding.includes(lib)) throw new Error(`${target}: onnxruntime_binding.node does not load ${lib}`);
  }
  const commonOut = path.join(modulesDir, 'onnxruntime-common');
  copy(path.join(common, 'package.json'), path.join(commonOut, 'package.json'));
  copy(path.join(common, 'dist', 'cjs'), path.join(commonOut, 'dist', 'cjs'));
  return binaries;
}

module.exports = { TARGETS, hostTarget, copyOnnxRuntime, onnxRuntimeSource };
