import { promises as fs } from 'node:fs';
import * as path from 'node:path';

function fileError(code: string, syscall: string, file: string, what: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${what}, ${syscall} '${file}'`), { code, syscall, path: file });
}

/**
 * `mkdir -p` that fails fast. Node's own recursive mkdir spins forever at
 * full CPU under a file system that refuses new entries with ENOENT although
 * the parent exists (`/proc/x`); here each missing folder is made on its
 * own, from the deepest existing one down, so such a refusal is an error
 * naming the folder. An existing file on the way is ENOTDIR.
 */
export async function makeDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const stat = await fs.stat(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return null;
      throw e;
    });
    if (stat?.isDirectory()) break;
    if (stat) throw fileError('ENOTDIR', 'mkdir', d, 'not a directory');
    missing.push(d);
    if (path.dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    await fs.mkdir(d).catch(async (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST' || !(await fs.stat(d)).isDirectory()) throw e;
    });
  }
}
