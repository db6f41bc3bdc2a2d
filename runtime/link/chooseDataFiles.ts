import * as path from 'node:path';
import { DataFileCandidate } from './discoverDataFiles';

/** `lora_a.pte` → `lora_a`: the stem a data file of this program usually shares. */
function stem(file: string): string {
  return path.basename(file).replace(/\.[^.]+$/, '');
}

/**
 * Picks, from ranked candidates, a set of data files the runtime could load
 * together: plausible files whose keys do not collide with those already
 * chosen (the runtime rejects a key provided twice). When several files
 * provide the same keys — sibling LoRA adapters beside one foundation — the
 * one named like the program wins, then the better-ranked one.
 */
export function chooseDataFiles(programFile: string, ranked: readonly DataFileCandidate[]): DataFileCandidate[] {
  const programStem = stem(programFile);
  const named = (c: DataFileCandidate) => stem(c.file) === programStem;
  const order = [...ranked.filter(named), ...ranked.filter((c) => !named(c))];
  const taken = new Set<string>();
  const chosen: DataFileCandidate[] = [];
  for (const c of order) {
    if (!c.plausible || c.provides.some((k) => taken.has(k))) continue;
    for (const k of c.provides) taken.add(k);
    chosen.push(c);
  }
  return chosen;
}
