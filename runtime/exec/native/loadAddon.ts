import * as fs from 'node:fs';
import * as path from 'node:path';
import { NativeAddon } from './addonTypes';

/**
 * Provisional: finds and loads the ExecuTorch addon. The native-build
 * branch brings the real one (with the cache location of its build); this
 * one only honours PTE_EXPLORER_NATIVE_ADDON and a `.node` file beside the
 * bundle, so the engine's TypeScript side compiles and runs before it lands.
 */

export type NativeAddonStatus = { available: true; path: string } | { available: false; reason: string };

const ADDON_FILE = 'pte_explorer_native.node';

export function nativeAddonStatus(): NativeAddonStatus {
  const fromEnv = process.env.PTE_EXPLORER_NATIVE_ADDON;
  if (fromEnv) {
    return fs.existsSync(fromEnv) ? { available: true, path: fromEnv } : { available: false, reason: `PTE_EXPLORER_NATIVE_ADDON names ${fromEnv}, which does not exist` };
  }
  const beside = path.join(__dirname, ADDON_FILE);
  if (fs.existsSync(beside)) return { available: true, path: beside };
  return { available: false, reason: `the ExecuTorch addon is not built for ${process.platform}-${process.arch} (run scripts/setup.sh, or set PTE_EXPLORER_NATIVE_ADDON)` };
}

export function loadAddon(): NativeAddon {
  const status = nativeAddonStatus();
  if (!status.available) throw new Error(status.reason);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(status.path) as NativeAddon;
}
