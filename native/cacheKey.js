'use strict';
// Where the native build lives and under which key: shared by native/build.sh
// (through locate.js) and runtime/exec/native/loadAddon.ts. The key changes
// with the ExecuTorch sources (vendor SHA256SUMS or the source tree's commit),
// every file under native/, and the C++ compiler's version, so a changed input
// never reuses a stale addon.
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');

const nativeDir = __dirname;
const repoRoot = path.dirname(nativeDir);

function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'pte-explorer', 'native');
}

function vendorDir() {
  return process.env.PTE_EXPLORER_VENDOR || path.resolve(repoRoot, '..', 'shared', 'vendor');
}

function sha(text) {
  return crypto.createHash('sha256').update(text).digest('hex');
}

function gitCommit(dir) {
  try {
    const head = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--ignore-submodules=dirty'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty ? `${head}+dirty-${sha(dirty).slice(0, 12)}` : head;
  } catch {
    return undefined;
  }
}

/**
 * Identifies the sources: `src-<hash>`. From EXECUTORCH_SRC / CMSIS_NN_SRC when
 * set (their commits, or their paths when they are not git checkouts), else
 * from the vendor archives' SHA256SUMS. Undefined when neither is there.
 */
function sourceId(env = process.env) {
  if (env.EXECUTORCH_SRC) {
    const et = path.resolve(env.EXECUTORCH_SRC);
    const cmsis = env.CMSIS_NN_SRC ? path.resolve(env.CMSIS_NN_SRC) : '';
    const parts = [`et:${gitCommit(et) || et}`, `cmsis:${cmsis ? gitCommit(cmsis) || cmsis : vendorSums() || ''}`];
    return `src-${sha(parts.join('\n')).slice(0, 16)}`;
  }
  const sums = vendorSums();
  return sums ? `vendor-${sha(sums).slice(0, 16)}` : undefined;
}

function vendorSums() {
  try {
    return fs.readFileSync(path.join(vendorDir(), 'SHA256SUMS'), 'utf8');
  } catch {
    return undefined;
  }
}

/** Hash of every file under native/ (names and contents), dot-files aside. */
function nativeFilesHash() {
  const hash = crypto.createHash('sha256');
  const walk = (dir) => {
    for (const name of fs.readdirSync(dir).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const full = path.join(dir, name);
      const stat = fs.statSync(full);
      if (stat.isDirectory()) walk(full);
      else
        hash
          .update(`${path.relative(nativeDir, full)}\0`)
          .update(fs.readFileSync(full))
          .update('\0');
    }
  };
  walk(nativeDir);
  return hash.digest('hex');
}

function compilerVersion() {
  try {
    return execFileSync(process.env.CXX || 'c++', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).split('\n')[0];
  } catch {
    return 'no-compiler';
  }
}

function buildKey(srcId) {
  return sha([srcId, nativeFilesHash(), compilerVersion()].join('\n')).slice(0, 20);
}

/** The addon path for a source id (exists or not). */
function addonPathFor(srcId) {
  return path.join(cacheRoot(), buildKey(srcId), 'executorch.node');
}

/**
 * The built addon for the current inputs, or the reason there is none. Tries
 * the sources this environment names, then the sources of the last build
 * (so a build from EXECUTORCH_SRC is found without that variable set).
 */
function locate(env = process.env) {
  const candidates = [];
  const current = sourceId(env);
  if (current) candidates.push(current);
  try {
    const last = fs.readFileSync(path.join(cacheRoot(), 'last-source-id'), 'utf8').trim();
    if (last && !candidates.includes(last)) candidates.push(last);
  } catch {
    // no build yet
  }
  if (candidates.length === 0) {
    return { reason: `no ExecuTorch sources: neither EXECUTORCH_SRC nor ${vendorDir()}/SHA256SUMS` };
  }
  for (const id of candidates) {
    const file = addonPathFor(id);
    if (fs.existsSync(file)) return { path: file };
  }
  return { reason: `not built for the current sources and native/ files (expected ${addonPathFor(candidates[0])})` };
}

module.exports = { cacheRoot, vendorDir, sourceId, buildKey, addonPathFor, locate, nativeFilesHash };
