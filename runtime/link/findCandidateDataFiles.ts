import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Paths of the `.ptd` files directly inside `dir` (not in subfolders),
 * sorted by name. Symbolic links to files count; unreadable entries are skipped.
 */
export async function findCandidateDataFiles(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    if (!/\.ptd$/i.test(e.name)) continue;
    const full = path.join(dir, e.name);
    if (e.isFile()) {
      out.push(full);
    } else if (e.isSymbolicLink()) {
      const stat = await fs.stat(full).catch(() => null);
      if (stat?.isFile()) out.push(full);
    }
  }
  return out.sort();
}
