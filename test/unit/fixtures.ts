import * as fs from 'node:fs';
import * as path from 'node:path';

/** The real ExecuTorch files shared beside the project (read-only in CI). */
export const REAL_FIXTURES = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'real');

export function realFixture(name: string): string {
  return path.join(REAL_FIXTURES, name);
}

export function realFixtureNames(extension?: string): string[] {
  return fs
    .readdirSync(REAL_FIXTURES)
    .filter((f) => /\.(pte|ptd|bpte|etdp)$/.test(f) && (!extension || f.endsWith(extension)))
    .sort();
}
