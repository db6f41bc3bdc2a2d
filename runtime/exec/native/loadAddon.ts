/**
 * Finds and loads the ExecuTorch addon (`executorch.node`, built by
 * `native/build.sh`). Looked for, in order: `PTE_EXPLORER_NATIVE_ADDON`, the
 * copy a packaged extension carries (`<package root>/dist/native/`), and the
 * build cache of a development tree (the key `native/locate.js` computes).
 * Loading runs the runtime in this process: call it only in the engine's
 * child process (see addonTypes.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import type { NativeAddon } from './addonTypes';

export interface NativeAddonStatus {
  available: boolean;
  /** Why it is not available (and how to build it). */
  reason?: string;
  /** The addon file found (also when it exists but failed to load). */
  path?: string;
}

const BUILD_HINT = 'build it with `bash native/build.sh` (see README, "Native runtime")';

/** The folder holding package.json, walking up from this file (out/runtime/exec/native or dist/). */
function packageRoot(): string | undefined {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

interface Located {
  path?: string;
  reason: string;
}

function locateAddon(): Located {
  const fromEnv = process.env.PTE_EXPLORER_NATIVE_ADDON;
  if (fromEnv) {
    return fs.existsSync(fromEnv)
      ? { path: fromEnv, reason: '' }
      : { reason: `PTE_EXPLORER_NATIVE_ADDON names ${fromEnv}, which does not exist` };
  }
  const root = packageRoot();
  if (!root) return { reason: `no package root above ${__dirname}` };
  // In a development tree the build for the current native/ sources comes first: the copy in dist/ is only as new as the last bundle.
  const cacheKey = path.join(root, 'native', 'cacheKey.js');
  let built: { path?: string; reason?: string } | undefined;
  if (fs.existsSync(cacheKey)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    built = (require(cacheKey) as { locate(): { path?: string; reason?: string } }).locate();
    if (built.path) return { path: built.path, reason: '' };
  }
  const packaged = path.join(root, 'dist', 'native', 'executorch.node');
  if (fs.existsSync(packaged)) {
    // The packages carry an addon built on Linux x64 only (native/ builds for the machine it runs on).
    if (process.platform !== 'linux' || process.arch !== 'x64')
      return {
        reason: `the ExecuTorch addon is built for Linux x64 only (this is ${process.platform}-${process.arch})`,
      };
    return { path: packaged, reason: '' };
  }
  return {
    reason: built ? `the ExecuTorch addon is ${built.reason}` : `the ExecuTorch addon is not packaged (${packaged})`,
  };
}

let loaded: NativeAddon | undefined;

/** Loads the addon (once per process); throws an Error saying why it is absent and how to build it. */
export function loadAddon(): NativeAddon {
  if (loaded) return loaded;
  const where = locateAddon();
  if (!where.path) throw new Error(`ExecuTorch runtime unavailable: ${where.reason}; ${BUILD_HINT}`);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(where.path) as NativeAddon;
  } catch (err) {
    throw new Error(
      `ExecuTorch runtime at ${where.path} failed to load: ${(err as Error).message}; rebuild it with \`bash native/build.sh\``,
    );
  }
  return loaded;
}

/** Whether the addon can be found, without loading it (so without running the runtime here). */
export function nativeAddonStatus(): NativeAddonStatus {
  try {
    const where = locateAddon();
    return where.path
      ? { available: true, path: where.path }
      : { available: false, reason: `${where.reason}; ${BUILD_HINT}` };
  } catch (err) {
    return { available: false, reason: `${(err as Error).message}; ${BUILD_HINT}` };
  }
}
