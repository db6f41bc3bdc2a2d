import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { NativeEtdump } from './native/addonTypes';
import { writeNpy } from './npy';
import { RunValue } from './values';

/**
 * Writes each tensor output as `DIR/<prefix>output_<i>.npy` (`i` is its place
 * among the outputs; other values are skipped), as `run --save` and the run
 * view's Save Outputs both do. Returns the files written.
 */
export async function writeOutputsNpy(dir: string, outputs: readonly RunValue[], prefix = ''): Promise<string[]> {
  const written: string[] = [];
  for (const [i, v] of outputs.entries()) {
    if (v.kind !== 'tensor') continue;
    const file = path.join(dir, `${prefix}output_${i}.npy`);
    await fs.writeFile(file, writeNpy(v));
    written.push(file);
  }
  return written;
}

/** Writes a profile's ETDump to `etdpPath` and its debug buffer, when it has one, beside it as `<etdpPath>.debug.bin`. */
export async function writeEtdumpFiles(etdpPath: string, etdump: NativeEtdump): Promise<string[]> {
  await fs.writeFile(etdpPath, etdump.etdump);
  if (etdump.debugBuffer.length === 0) return [etdpPath];
  await fs.writeFile(`${etdpPath}.debug.bin`, etdump.debugBuffer);
  return [etdpPath, `${etdpPath}.debug.bin`];
}
