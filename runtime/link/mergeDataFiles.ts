import { DataEntry, DataFile } from '../format/ptd/ptdTypes';
import { DuplicateKey } from './linkTypes';

export interface MergedEntry {
  dataFile: DataFile;
  entry: DataEntry;
}

export interface MergedDataFiles {
  /** Key → owning file and entry; for a duplicated key, the first holder in file order. */
  byKey: Map<string, MergedEntry>;
  /** Keys repeated inside one file (`sameFile`) or across files (`dataFiles`), in order of first sight. */
  duplicates: DuplicateKey[];
}

/**
 * Merges data files into one key space, as a runtime given several `.ptd`
 * files does: lookups go to the file holding the key, and a key held by two
 * files makes the runtime refuse the whole set.
 */
export function mergeDataFiles(dataFiles: readonly DataFile[]): MergedDataFiles {
  const byKey = new Map<string, MergedEntry>();
  // Positions in `dataFiles` rather than objects: the same DataFile passed twice is two maps to the runtime.
  const holders = new Map<string, number[]>();
  dataFiles.forEach((dataFile, position) => {
    for (const entry of dataFile.entries) {
      const seen = holders.get(entry.key);
      if (seen) {
        seen.push(position);
        continue;
      }
      holders.set(entry.key, [position]);
      byKey.set(entry.key, { dataFile, entry });
    }
  });
  const duplicates: DuplicateKey[] = [];
  for (const [key, positions] of holders) {
    if (positions.length < 2) continue;
    const distinct = [...new Set(positions)];
    duplicates.push({
      key,
      scope: distinct.length === 1 ? 'sameFile' : 'dataFiles',
      files: distinct.map((p) => dataFiles[p].source.name),
    });
  }
  return { byKey, duplicates };
}
