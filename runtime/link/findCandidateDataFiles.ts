import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Paths of the `.ptd` files (or files of another extension, such as `etdp`)
 * directly inside `dir` (not in subfolders), sorted by name. Symbolic links
 * to files count; unreadable entries are skipped.
 */
export async function findCandidateDataFiles(dir: string, extension = 'ptd'): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  const suffix = `.${extension.toLowerCase()}`;
  for (const e of entries) {
    if (!e.name.toLowerCase().endsWith(suffix)) continue;
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
