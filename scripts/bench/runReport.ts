import { ChildResult } from './runChild';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function left(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

function ms(x: number | null): string {
  return x === null ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(2);
}

/** Per-program latency table with the ratios to raw onnxruntime and to the reference interpreter. */
export function latencyTable(r: ChildResult): string[] {
  const header = `${pad('program', 12)}${left('load ms', 10)}${left('first ms', 10)}${left('steady ms', 11)}${left('overhead', 10)}${left('raw ORT ms', 12)}${left('÷ raw', 8)}${left('best ÷', 8)}${left('reference ms', 14)}${left('ref ÷ ours', 11)}`;
  const lines = [header];
  for (const p of r.programs) {
    const rawRatio = p.rawRatio ? p.rawRatio.toFixed(3) : '-';
    const bestRatio = p.rawRatioBest ? p.rawRatioBest.toFixed(3) : '-';
    const refRatio = p.referenceMs ? (p.referenceMs / p.steadyMs).toFixed(0) : '-';
    lines.push(`${pad(p.file, 12)}${left(ms(p.loadMs), 10)}${left(ms(p.firstMs), 10)}${left(ms(p.steadyMs), 11)}${left(ms(p.overheadMs), 10)}${left(ms(p.rawMs), 12)}${left(rawRatio, 8)}${left(bestRatio, 8)}${left(ms(p.referenceMs), 14)}${left(refRatio, 11)}`);
  }
  return lines;
}

/** Memory and speed of each way weights reach onnxruntime, one program vs several. */
export function modesTable(rows: { mode: string; one: ChildResult | string; many: ChildResult | string; count: number }[]): string[] {
  const lines = [`${pad('weights', 13)}${left('load ms (1)', 13)}${left('steady ms', 11)}${left('peak RSS 1', 12)}${left('peak RSS n', 12)}${left('n ÷ 1', 8)}`];
  for (const row of rows) {
    if (typeof row.one === 'string' || typeof row.many === 'string') {
      lines.push(`${pad(row.mode, 13)}failed: ${typeof row.one === 'string' ? row.one : row.many}`);
      continue;
    }
    const first = row.one.programs[0];
    lines.push(`${pad(row.mode, 13)}${left(ms(first.loadMs), 13)}${left(ms(first.steadyMs), 11)}${left(`${row.one.peakRssMiB.toFixed(0)} MiB`, 12)}${left(`${row.many.peakRssMiB.toFixed(0)} MiB`, 12)}${left((row.many.peakRssMiB / row.one.peakRssMiB).toFixed(2), 8)}`);
  }
  return lines;
}
