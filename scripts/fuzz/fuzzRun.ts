import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemorySource } from '../../runtime/format/byteSource';
import { FormatError } from '../../runtime/format/errors';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { DataFile } from '../../runtime/format/ptd/ptdTypes';
import { decodeDeep } from './decodeDeep';
import { mutate, Strategy, STRATEGIES } from './mutate';

export interface FuzzFailure {
  file: string;
  strategy: Strategy;
  seed: number;
  error: string;
}

export interface FuzzReport {
  cases: number;
  decoded: number;
  formatErrors: number;
  failures: FuzzFailure[];
  slowest: { file: string; strategy: Strategy; seed: number; ms: number };
  totalMs: number;
  /** FormatErrors whose offset lies outside the file: allowed, but worth watching. */
  offsetsOutsideFile: number;
}

/** Data files each program is linked with while fuzzing (as the golden pairs say). */
const DATA_FILES: Record<string, string[]> = {
  'et-2025-02-linear.pte': ['et-2025-02-linear.ptd'],
  'rs-data-map-model.pte': ['rs-data-map-_default_external_constant.ptd'],
};

/**
 * Mutates each fixture `casesPerFile` times (strategies in turn, seeds from
 * `seed`) and runs `decodeDeep` on every mutant. Any exception other than a
 * FormatError is a failure.
 */
export async function fuzzFixtures(dir: string, casesPerFile: number, seed: number): Promise<FuzzReport> {
  const files = fs
    .readdirSync(dir)
    .filter((f) => /\.(pte|ptd|bpte|etdp)$/.test(f))
    .sort();
  const report: FuzzReport = {
    cases: 0,
    decoded: 0,
    formatErrors: 0,
    failures: [],
    slowest: { file: '', strategy: 'bitFlip', seed: 0, ms: 0 },
    totalMs: 0,
    offsetsOutsideFile: 0,
  };
  for (const file of files) {
    const original = new Uint8Array(fs.readFileSync(path.join(dir, file)));
    const dataFiles: DataFile[] = [];
    for (const d of DATA_FILES[file] ?? [])
      dataFiles.push(await decodePtd(new MemorySource(new Uint8Array(fs.readFileSync(path.join(dir, d))), d)));
    for (let i = 0; i < casesPerFile; i++) {
      const strategy = STRATEGIES[i % STRATEGIES.length];
      const caseSeed = (seed + i * 7919 + file.length * 104729) >>> 0;
      const bytes = mutate(original, strategy, caseSeed);
      const start = performance.now();
      try {
        await decodeDeep(bytes, file, dataFiles);
        report.decoded++;
      } catch (e) {
        if (e instanceof FormatError) {
          report.formatErrors++;
          if (e.offset !== null && (e.offset < 0 || e.offset > bytes.length)) report.offsetsOutsideFile++;
        } else {
          report.failures.push({
            file,
            strategy,
            seed: caseSeed,
            error: e instanceof Error ? (e.stack ?? e.message) : String(e),
          });
        }
      }
      const ms = performance.now() - start;
      report.totalMs += ms;
      report.cases++;
      if (ms > report.slowest.ms) report.slowest = { file, strategy, seed: caseSeed, ms };
    }
  }
  return report;
}
