/** One step of an alignment: a pair of equal items, or an item only one side has. */
export type AlignStep =
  { kind: 'match'; a: number; b: number } | { kind: 'remove'; a: number } | { kind: 'add'; b: number };

export interface Alignment {
  steps: AlignStep[];
  /** `positional` when the edit distance exceeded the search bound and the middle was paired by position. */
  method: 'myers' | 'positional';
}

/** Default bound on the edit distance searched; the trace it keeps grows with its square. */
export const MAX_EDIT_DISTANCE = 2000;

/**
 * Aligns two sequences by their keys: a shortest edit script (Myers' O(ND)
 * greedy search) after stripping the common head and tail. Items with equal
 * keys are matched in order. When more than `maxEdits` insertions and
 * deletions would be needed, the middle part is paired by position instead,
 * so the cost stays bounded for unrelated sequences.
 */
export function alignSequences(a: readonly string[], b: readonly string[], maxEdits = MAX_EDIT_DISTANCE): Alignment {
  const ids = new Map<string, number>();
  const id = (s: string) => {
    let v = ids.get(s);
    if (v === undefined) ids.set(s, (v = ids.size));
    return v;
  };
  const x = Int32Array.from(a, id);
  const y = Int32Array.from(b, id);
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;

  const steps: AlignStep[] = [];
  for (let i = 0; i < head; i++) steps.push({ kind: 'match', a: i, b: i });
  const midA = x.subarray(head, x.length - tail);
  const midB = y.subarray(head, y.length - tail);
  const middle = shortestEdit(midA, midB, maxEdits);
  const method = middle ? 'myers' : 'positional';
  for (const s of middle ?? byPosition(midA, midB)) {
    if (s.kind === 'match') steps.push({ kind: 'match', a: s.a + head, b: s.b + head });
    else if (s.kind === 'remove') steps.push({ kind: 'remove', a: s.a + head });
    else steps.push({ kind: 'add', b: s.b + head });
  }
  for (let i = tail; i > 0; i--) steps.push({ kind: 'match', a: x.length - i, b: y.length - i });
  return { steps, method };
}

/** Myers' forward search keeping, per edit count d, the furthest x of diagonals -d-1 … d+1; null beyond `maxEdits`. */
function shortestEdit(x: Int32Array, y: Int32Array, maxEdits: number): AlignStep[] | null {
  const n = x.length;
  const m = y.length;
  if (n === 0 || m === 0) {
    return [
      ...Array.from({ length: n }, (_, i): AlignStep => ({ kind: 'remove', a: i })),
      ...Array.from({ length: m }, (_, j): AlignStep => ({ kind: 'add', b: j })),
    ];
  }
  const limit = Math.min(n + m, maxEdits);
  const offset = limit + 1;
  const v = new Int32Array(2 * limit + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= limit; d++) {
    // Snapshot of diagonals -d-1 … d+1 as they were before step d.
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let px =
        k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let py = px - k;
      while (px < n && py < m && x[px] === y[py]) {
        px++;
        py++;
      }
      v[offset + k] = px;
      if (px >= n && py >= m) return backtrack(trace, n, m);
    }
  }
  return null;
}

function backtrack(trace: Int32Array[], n: number, m: number): AlignStep[] {
  const out: AlignStep[] = [];
  let px = n;
  let py = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const snap = trace[d];
    const at = (k: number) => snap[k + d + 1];
    const k = px - py;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
    while (px > prevX && py > prevY) out.push({ kind: 'match', a: --px, b: --py });
    if (d > 0) {
      if (px === prevX) out.push({ kind: 'add', b: --py });
      else out.push({ kind: 'remove', a: --px });
    }
  }
  return out.reverse();
}

/** Pairs item i with item i; unequal pairs become a removal and an addition. */
function byPosition(x: Int32Array, y: Int32Array): AlignStep[] {
  const out: AlignStep[] = [];
  const common = Math.min(x.length, y.length);
  for (let i = 0; i < common; i++) {
    if (x[i] === y[i]) out.push({ kind: 'match', a: i, b: i });
    else out.push({ kind: 'remove', a: i }, { kind: 'add', b: i });
  }
  for (let i = common; i < x.length; i++) out.push({ kind: 'remove', a: i });
  for (let j = common; j < y.length; j++) out.push({ kind: 'add', b: j });
  return out;
}
