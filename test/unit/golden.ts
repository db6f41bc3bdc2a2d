import * as fs from 'node:fs';
import * as path from 'node:path';
import { REAL_FIXTURES } from './fixtures';

/** The shared golden.json: per file and method, inputs and the outputs a correct runtime gives. */

export interface GoldenTensor {
  dtype: string;
  shape: number[];
  values?: (number | boolean)[];
  fill?: number;
  formula?: string;
}

export interface GoldenEntry {
  file: string;
  method: string | null;
  inputs: (GoldenTensor | { kind: string; value: unknown })[];
  expected: (GoldenTensor | { kind: string; value: unknown })[];
  atol: number | null;
  rtol: number | null;
  runnable_on_plain_cpu: boolean;
  data_files?: string[];
  expected_error?: string;
}

export const GOLDEN: GoldenEntry[] = JSON.parse(fs.readFileSync(path.join(REAL_FIXTURES, 'golden.json'), 'utf8'));

/**
 * Some entries give inputs and outputs as formulas only; these are their
 * values, computed here from the formula text of each entry.
 */
const FORMULAS: Record<string, (shape: number[]) => number[]> = {
  'x.flat[i] = float(i) (row-major arange, exact in fp32)': (shape) =>
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
  'y[0,c,oh,ow] = c*12544 + (2*oh+1)*112 + (2*ow+1)': ([, C, OH, OW]) => {
    const out: number[] = [];
    for (let c = 0; c < C; c++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) out.push(c * 12544 + (2 * oh + 1) * 112 + (2 * ow + 1));
    return out;
  },
  'x[r,j] = float(j % 2) (0,1,0,1,...)': ([R, J]) => Array.from({ length: R * J }, (_, i) => (i % J) % 2),
};

function softmaxAlternating([R, J]: number[]): number[] {
  const even = 1 / (2048 * (1 + Math.E));
  const odd = Math.E / (2048 * (1 + Math.E));
  return Array.from({ length: R * J }, (_, i) => ((i % J) % 2 === 0 ? even : odd));
}

export function expectedValues(t: GoldenTensor): number[] {
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (t.values) return t.values.map(Number);
  if (t.fill !== undefined) return new Array(n).fill(t.fill);
  if (t.formula && FORMULAS[t.formula]) return FORMULAS[t.formula](t.shape);
  if (t.formula?.startsWith('y[r,j] = e^(j%2) / (2048*(1+e))')) return softmaxAlternating(t.shape);
  throw new Error(`no values for ${JSON.stringify(t).slice(0, 200)}`);
}
