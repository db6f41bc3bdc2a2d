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
    lines.push(
      `${pad(p.file, 12)}${left(ms(p.loadMs), 10)}${left(ms(p.firstMs), 10)}${left(ms(p.steadyMs), 11)}${left(ms(p.overheadMs), 10)}${left(ms(p.rawMs), 12)}${left(rawRatio, 8)}${left(bestRatio, 8)}${left(ms(p.referenceMs), 14)}${left(refRatio, 11)}`,
    );
  }
  return lines;
}

/** Memory and speed of each way weights reach onnxruntime, one program vs several. */
export function modesTable(
  rows: { mode: string; one: ChildResult | string; many: ChildResult | string; count: number }[],
): string[] {
  const lines = [
    `${pad('weights', 13)}${left('load ms (1)', 13)}${left('steady ms', 11)}${left('peak RSS 1', 12)}${left('peak RSS n', 12)}${left('n ÷ 1', 8)}`,
  ];
  for (const row of rows) {
    if (typeof row.one === 'string' || typeof row.many === 'string') {
      lines.push(`${pad(row.mode, 13)}failed: ${typeof row.one === 'string' ? row.one : row.many}`);
      continue;
    }
    const first = row.one.programs[0];
    lines.push(
      `${pad(row.mode, 13)}${left(ms(first.loadMs), 13)}${left(ms(first.steadyMs), 11)}${left(`${row.one.peakRssMiB.toFixed(0)} MiB`, 12)}${left(`${row.many.peakRssMiB.toFixed(0)} MiB`, 12)}${left((row.many.peakRssMiB / row.one.peakRssMiB).toFixed(2), 8)}`,
    );
  }
  return lines;
}

function ratio(a: number | null, b: number | null, digits = 2): string {
  return a === null || b === null || b === 0 ? '-' : `${(a / b).toFixed(digits)}×`;
}

/**
 * Per program, ExecuTorch's runtime beside the onnx engine and raw
 * onnxruntime on the same graph: load time and steady-state latency, with ratios.
 */
export function enginesTable(executorch: ChildResult, onnx: ChildResult): string[] {
  const header = `${pad('program', 12)}${left('load ET', 10)}${left('load onnx', 11)}${left('steady ET', 11)}${left('steady onnx', 13)}${left('raw ORT', 10)}${left('ET ÷ onnx', 11)}${left('ET ÷ raw', 10)}${left('onnx ÷ raw', 12)}`;
  const lines = [header];
  for (const e of executorch.programs) {
    const o = onnx.programs.find((p) => p.file === e.file) ?? null;
    lines.push(
      `${pad(e.file, 12)}${left(ms(e.loadMs), 10)}${left(ms(o?.loadMs ?? null), 11)}${left(ms(e.steadyMs), 11)}${left(ms(o?.steadyMs ?? null), 13)}${left(ms(o?.rawMs ?? null), 10)}` +
        `${left(ratio(e.steadyMs, o?.steadyMs ?? null), 11)}${left(ratio(e.steadyMs, o?.rawMs ?? null), 10)}${left(ratio(o?.steadyMs ?? null, o?.rawMs ?? null), 12)}`,
    );
  }
  return lines;
}

/**
 * Memory of one vs `count` programs over one foundation on executorch: the
 * runtime's process (peak RSS; then, after the runs, its anonymous and
 * file-backed parts and PSS, which counts a page mapped several times once)
 * and this process's peak RSS.
 */
export function nativeMemoryLines(one: ChildResult, many: ChildResult, count: number, target: number): string[] {
  const mb = (x: number | undefined) => (x === undefined ? '-' : `${x.toFixed(0)} MiB`);
  const lines = [
    `${pad('', 24)}${left('runtime peak', 14)}${left('anon', 10)}${left('file', 10)}${left('PSS', 10)}${left('this process', 14)}${left('sum of peaks', 14)}`,
  ];
  const row = (label: string, r: ChildResult) => {
    const m = r.runtimeProcess ?? undefined;
    lines.push(
      `${pad(label, 24)}${left(mb(m?.peakMiB), 14)}${left(mb(m?.anonMiB), 10)}${left(mb(m?.fileMiB), 10)}${left(mb(m?.pssMiB), 10)}${left(mb(r.peakRssMiB), 14)}${left(mb(m && m.peakMiB + r.peakRssMiB), 14)}`,
    );
  };
  row('1 program', one);
  row(`${count} programs`, many);
  const r1 = one.runtimeProcess?.peakMiB ?? null;
  const rn = many.runtimeProcess?.peakMiB ?? null;
  const sum = (r: ChildResult) => (r.runtimeProcess ? r.runtimeProcess.peakMiB + r.peakRssMiB : null);
  const verdict = r1 !== null && rn !== null ? (rn / r1 <= target ? 'meets' : 'MISSES') : 'not measured';
  lines.push(
    `planned arenas (non_const_buffer_sizes, allocated per loaded method): ${mb(one.plannedArenaBytes / 2 ** 20)} for 1 program, ${mb(many.plannedArenaBytes / 2 ** 20)} for ${count}`,
  );
  lines.push(
    `${count} ÷ 1: runtime peak ${ratio(rn, r1, 3)} (target ≤ ${target.toFixed(2)}×: ${verdict}), runtime PSS ${ratio(many.runtimeProcess?.pssMiB ?? null, one.runtimeProcess?.pssMiB ?? null, 3)}, sum of peaks ${ratio(sum(many), sum(one), 3)}`,
  );
  return lines;
}
