import { entryByKey } from '../format/ptd/decodePtd';
import { DataFile } from '../format/ptd/ptdTypes';
import { Program } from '../format/pte/pteTypes';
import { checkEntry } from './checkEntry';
import { externalTensors } from './externalTensors';
import { ExtraReference } from './linkTypes';

/** How well one candidate `.ptd` fits a program. */
export interface DataFileCandidate {
  dataFile: DataFile;
  file: string;
  /** Keys the program needs (EXTERNAL tensors and extra references) that this file holds, in need order. */
  provides: string[];
  /** Of those, tensor keys whose layout and size match the program's tensor. */
  compatible: number;
  /** Tensor keys this file holds with the wrong dtype, shape, dim order or size. */
  incompatible: number;
  /** Keys the program needs in total. */
  needed: number;
  /** Keys of this file the program does not ask for. */
  unused: number;
  /** Holds at least one needed key with nothing incompatible. */
  plausible: boolean;
}

/**
 * Ranks candidate data files by how many of the program's keys each holds:
 * most needed keys first, then fewest incompatible keys, then fewest unused
 * keys, then by name. Keys asked for by delegates can be passed as
 * `references`; without them a delegate-only `.ptd` looks unrelated.
 */
export function discoverDataFiles(
  program: Program,
  candidates: readonly DataFile[],
  references: readonly ExtraReference[] = [],
): DataFileCandidate[] {
  const tensors = externalTensors(program).named;
  const tensorByKey = new Map(tensors.map((t) => [t.key, t.tensor] as const));
  const neededKeys = [...new Set([...tensors.map((t) => t.key), ...references.map((r) => r.key)])];
  const ranked = candidates.map((dataFile): DataFileCandidate => {
    const entries = entryByKey(dataFile);
    const provides = neededKeys.filter((k) => entries.has(k));
    let compatible = 0;
    let incompatible = 0;
    for (const key of provides) {
      const tensor = tensorByKey.get(key);
      if (!tensor) continue;
      if (checkEntry(tensor, entries.get(key)!).mismatches.length === 0) compatible++;
      else incompatible++;
    }
    return {
      dataFile,
      file: dataFile.source.name,
      provides,
      compatible,
      incompatible,
      needed: neededKeys.length,
      unused: entries.size - provides.length,
      plausible: provides.length > 0 && incompatible === 0,
    };
  });
  return ranked.sort(
    (a, b) =>
      b.provides.length - a.provides.length ||
      a.incompatible - b.incompatible ||
      a.unused - b.unused ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0),
  );
}
