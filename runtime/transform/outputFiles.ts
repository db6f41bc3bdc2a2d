import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { TransformError } from './transformError';

/** Identity of an existing file: device and inode, so hard links and other spellings of a path are caught. */
async function fileIdentity(p: string): Promise<string | null> {
  try {
    const s = await fs.stat(p);
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

/**
 * Refuses outputs that would overwrite an input (same path, or the same file
 * under another name) or each other.
 */
export async function checkOutputs(inputs: readonly string[], outputs: readonly string[]): Promise<void> {
  const inputPaths = new Map(inputs.map((p) => [path.resolve(p), p]));
  const inputIds = new Map<string, string>();
  for (const p of inputs) {
    const id = await fileIdentity(p);
    if (id) inputIds.set(id, p);
  }
  const seen = new Set<string>();
  for (const out of outputs) {
    const resolved = path.resolve(out);
    const id = await fileIdentity(out);
    const input = inputPaths.get(resolved) ?? (id ? inputIds.get(id) : undefined);
    if (input !== undefined)
      throw new TransformError(
        `output ${out} is the input ${input}; inputs are never overwritten (choose another output path or name)`,
      );
    if (seen.has(resolved)) throw new TransformError(`two outputs are both ${out}`);
    seen.add(resolved);
  }
}

/**
 * Outputs written under temporary names beside their final paths and renamed
 * into place only when all are complete, so a failure or a cancel never
 * leaves a partial (or half of a pair of) output at the final path.
 */
export class PendingOutputs {
  private readonly temps: { temp: string; final: string }[] = [];

  /** The temporary path to write `final` to. */
  temp(final: string): string {
    const temp = path.join(
      path.dirname(final),
      `.${path.basename(final)}.partial-${process.pid}-${randomBytes(4).toString('hex')}`,
    );
    this.temps.push({ temp, final });
    return temp;
  }

  async commit(): Promise<void> {
    for (const { temp, final } of this.temps) await fs.rename(temp, final);
    this.temps.length = 0;
  }

  async discard(): Promise<void> {
    for (const { temp } of this.temps) await fs.rm(temp, { force: true });
    this.temps.length = 0;
  }
}
