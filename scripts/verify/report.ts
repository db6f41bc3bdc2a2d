import { CaseResult } from './runEngines';

function num(x: number): string {
  if (x === 0) return '0';
  if (!Number.isFinite(x)) return String(x);
  return x >= 1e4 || x < 1e-3 ? x.toExponential(1) : x.toPrecision(2);
}

/** One line per case: each engine against the reference (max |Δ|, max ulps), or why it did not run. */
export function caseLine(r: CaseResult): string {
  const head = `${r.case.kind.padEnd(7)} ${r.case.name}${r.case.features.length ? ` [${r.case.features.join(' ')}]` : ''}`;
  const parts: string[] = [];
  for (const p of r.pairs) {
    const maxAbs = p.outputs.reduce((m, o) => Math.max(m, o.maxAbs), 0);
    const maxUlps = p.outputs.reduce((m, o) => Math.max(m, o.maxUlps), 0);
    const perOutput =
      p.outputs.length > 1
        ? ` (${p.outputs.map((o) => `${o.dtype} Δ${num(o.maxAbs)}/${num(o.maxUlps)}u`).join(', ')})`
        : '';
    const bad = p.outputs.find((o) => !o.agree);
    parts.push(
      `${p.engine}~${p.reference} ${p.agree ? 'agree' : 'DISAGREE'} Δ ${num(maxAbs)} ulps ${num(maxUlps)}${perOutput}${bad ? ` first: ${bad.where} ${bad.reason}` : ''}`,
    );
  }
  for (const o of r.outcomes) if (o.refused !== null) parts.push(`${o.engine} refused: ${o.refused}`);
  if (r.reference && r.pairs.length === 0) parts.push(`only ${r.reference} ran`);
  if (r.pairs.some((p) => !p.agree) && r.case.operators) parts.push(`kernels: ${r.case.operators.join(' ')}`);
  return `${head} | ${parts.join(' | ')}`;
}

/** A refusal reason without the file, value and instruction numbers, for grouping. */
export function refusalKind(reason: string): string {
  return reason
    .replace(/\/[^\s:]+\.(pte|bpte|ptd)/g, 'FILE')
    .replace(/\b(values|instruction|delegate|chain|value)\[?\s?\d+\]?/g, '$1 N')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 160);
}

interface PairTally {
  agree: number;
  disagree: number;
  cases: string[];
}

/** Counts per engine pair and refusals per engine and reason, split by case kind. */
export class Tally {
  readonly pairs = new Map<string, PairTally>();
  readonly refusals = new Map<string, Map<string, number>>();
  readonly kinds = new Map<string, number>();
  /** Cases no engine could run. */
  readonly unrun: string[] = [];

  add(r: CaseResult): void {
    this.kinds.set(r.case.kind, (this.kinds.get(r.case.kind) ?? 0) + 1);
    for (const p of r.pairs) {
      const key = `${p.engine} vs ${p.reference}`;
      const t = this.pairs.get(key) ?? { agree: 0, disagree: 0, cases: [] };
      if (p.agree) t.agree++;
      else {
        t.disagree++;
        t.cases.push(r.case.name);
      }
      this.pairs.set(key, t);
    }
    for (const o of r.outcomes) {
      if (o.refused === null) continue;
      const m = this.refusals.get(o.engine) ?? new Map<string, number>();
      const k = `${r.case.kind}: ${refusalKind(o.refused)}`;
      m.set(k, (m.get(k) ?? 0) + 1);
      this.refusals.set(o.engine, m);
    }
    if (r.reference === null) this.unrun.push(r.case.name);
  }

  get disagreements(): number {
    let n = 0;
    for (const t of this.pairs.values()) n += t.disagree;
    return n;
  }

  summary(): string[] {
    const lines = [`cases: ${[...this.kinds].map(([k, n]) => `${n} ${k}`).join(', ')}`];
    for (const [key, t] of this.pairs) {
      lines.push(
        `${key}: ${t.agree} agree, ${t.disagree} disagree beyond tolerance${t.cases.length ? ` (${t.cases.slice(0, 20).join('; ')}${t.cases.length > 20 ? '; …' : ''})` : ''}`,
      );
    }
    for (const [engine, reasons] of this.refusals) {
      const total = [...reasons.values()].reduce((a, b) => a + b, 0);
      lines.push(`refused by ${engine}: ${total}`);
      for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]))
        lines.push(`  ${String(n).padStart(5)}  ${reason}`);
    }
    if (this.unrun.length)
      lines.push(
        `run by no engine: ${this.unrun.length} (${this.unrun.slice(0, 10).join('; ')}${this.unrun.length > 10 ? '; …' : ''})`,
      );
    return lines;
  }
}
