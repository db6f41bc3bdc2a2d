import type { OpenBenchResult, OpenSample } from '../../test/integration/bench/openBench';

const MiB = 2 ** 20;
const PARTS = ['decodeMs', 'resolveMs', 'frameMs', 'pageMs', 'initMs', 'hostMs', 'renderMs'] as const;

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function cell(x: number, width: number): string {
  return (Number.isFinite(x) ? x.toFixed(0) : '-').padStart(width);
}

const HEADER = `${'open'.padEnd(12)}${'total'.padStart(7)}${PARTS.map((p) => p.replace('Ms', '').padStart(8)).join('')}${'reopened'.padStart(10)}`;

function row(label: string, s: Pick<OpenSample, 'totalMs' | (typeof PARTS)[number] | 'reopened'>): string {
  return `${label.padEnd(12)}${cell(s.totalMs, 7)}${PARTS.map((p) => cell(s[p], 8)).join('')}${cell(s.reopened, 10)}`;
}

/** Each open of one window, in ms. */
export function runLines(run: number, cold: string, r: OpenBenchResult): string[] {
  const lines = [`run ${run} (first webview: ${cold})`, `  ${HEADER}`];
  for (const s of r.opens) lines.push(`  ${row(`${s.phase} ${s.file}`, s)}`);
  lines.push(`  text editor: ${r.text.map((t) => `${t.phase} ${t.ms.toFixed(0)} ms`).join(', ')}`);
  lines.push(
    `  minimal webview: ${r.floor.map((f) => `${f.phase} ${f.totalMs.toFixed(0)} ms (frame ${f.frameMs.toFixed(0)}, page ${f.pageMs.toFixed(0)})`).join(', ')}`,
  );
  for (const m of r.memory) {
    lines.push(
      `  extension host RSS (${m.phase} large): ${(m.before / MiB).toFixed(0)} MiB before → ${(m.afterOpen / MiB).toFixed(0)} after open → ` +
        `${(m.afterPreview / MiB).toFixed(0)} after previewing '${m.previewKey}' (${m.previewMs.toFixed(0)} ms)`,
    );
  }
  return lines;
}

function medianSample(samples: OpenSample[]): Pick<OpenSample, 'totalMs' | (typeof PARTS)[number] | 'reopened'> {
  const out = {
    totalMs: median(samples.map((s) => s.totalMs)),
    reopened: samples.reduce((n, s) => n + s.reopened, 0),
  } as Pick<OpenSample, 'totalMs' | (typeof PARTS)[number] | 'reopened'>;
  for (const p of PARTS) out[p] = median(samples.map((s) => s[p]));
  return out;
}

/** Medians over every window, and the ratios against the peers measured in the same runs. */
export function summaryLines(results: OpenBenchResult[]): string[] {
  const opens = results.flatMap((r) => r.opens);
  const pick = (file: string, phase: string) => opens.filter((s) => s.file === file && s.phase === phase);
  const floor = (phase: string, part: 'totalMs' | 'frameMs' | 'pageMs' = 'totalMs') =>
    median(
      results
        .flatMap((r) => r.floor)
        .filter((f) => f.phase === phase)
        .map((f) => f[part]),
    );
  const text = (phase: string) =>
    median(
      results
        .flatMap((r) => r.text)
        .filter((t) => t.phase === phase)
        .map((t) => t.ms),
    );
  const lines = ['medians (ms; reopened is a sum)', `  ${HEADER}`];
  const med: Record<string, number> = {};
  for (const phase of ['cold', 'warm']) {
    for (const file of ['large', 'tiny']) {
      const samples = pick(file, phase);
      if (!samples.length) continue;
      const m = medianSample(samples);
      med[`${phase} ${file}`] = m.totalMs;
      lines.push(`  ${row(`${phase} ${file}`, m)}  (n=${samples.length})`);
    }
  }
  const memory = results.flatMap((r) => r.memory);
  const growthOpen = median(memory.map((m) => m.afterOpen - m.before)) / MiB;
  const growthPreview = median(memory.map((m) => m.afterPreview - m.before)) / MiB;
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  lines.push(
    `  text editor (VS Code's own, small file): cold ${text('cold').toFixed(0)} ms, warm ${text('warm').toFixed(0)} ms`,
    `  minimal webview (inline script, nothing fetched): warm ${floor('warm').toFixed(0)} ms (frame ${floor('warm', 'frameMs').toFixed(0)}, page ${floor('warm', 'pageMs').toFixed(0)})`,
    'ratios',
    `  large ÷ tiny .ptd (does open time grow with file size? ≈ 1 means no): cold ${ratio(med['cold large'], med['cold tiny'])}, warm ${ratio(med['warm large'], med['warm tiny'])}`,
    `  large .ptd ÷ text editor (distance from the web workbench's floor): cold ${ratio(med['cold large'], text('cold'))}, warm ${ratio(med['warm large'], text('warm'))}`,
    `  large .ptd ÷ minimal webview (what our editor adds to any webview): warm ${ratio(med['warm large'], floor('warm'))}`,
    `  warm large first paint ÷ 1 s target: ${ratio(med['warm large'], 1000)}`,
    `extension host RSS growth (median): ${growthOpen.toFixed(0)} MiB after open, ${growthPreview.toFixed(0)} MiB after a tensor preview (limit 100 MiB)`,
  );
  return lines;
}
