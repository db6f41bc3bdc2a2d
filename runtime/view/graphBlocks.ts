import { instructionTarget, methodInstructions } from '../format/pte/describe';
import { Method } from '../format/pte/pteTypes';
import { GraphBlock } from './graphModel';
import { InstructionAccess } from './valueAccess';

/** `layers.3.attention.wq.weight` → `layers.3`; the usual names of a model's repeated layers. */
const LAYER_NAME = /^(.*?\b(?:layers|layer|h|blocks|block|decoder_layers)\.(\d+))(?:\.|$)/;
const MIN_BLOCK = 4;
const MAX_PERIOD = 4000;

/**
 * Repeated blocks of a method, tried in order of how much they tell: the
 * layer index in the names of the weights an instruction reads, the layer
 * index in the functions of its stack trace, then the longest tandem repeat
 * of operator names.
 */
export function repeatedBlocks(method: Method, accesses: readonly InstructionAccess[]): GraphBlock[] {
  return byNames(method, accesses) ?? byStackTrace(method) ?? byOperatorSequence(method);
}

/** Blocks from indexed names: instructions from the first reader of layer k's weights to the instruction before layer k+1's. */
function layerBlocks(keys: (string | null)[], source: GraphBlock['source']): GraphBlock[] | null {
  const first = new Map<string, number>();
  const last = new Map<string, number>();
  keys.forEach((k, i) => {
    if (k === null) return;
    if (!first.has(k)) first.set(k, i);
    last.set(k, i);
  });
  const ordered = [...first.keys()].sort((a, b) => first.get(a)! - first.get(b)!);
  if (ordered.length < 2) return null;
  const blocks: GraphBlock[] = [];
  for (let k = 0; k < ordered.length; k++) {
    const name = ordered[k];
    const start = first.get(name)!;
    const end = k + 1 < ordered.length ? first.get(ordered[k + 1])! - 1 : last.get(name)!;
    if (k > 0 && start <= blocks[blocks.length - 1].last) return null;
    blocks.push({ label: name, first: start, last: Math.max(start, end), source, group: name.replace(/\d+$/, '#') });
  }
  return blocks;
}

function byNames(method: Method, accesses: readonly InstructionAccess[]): GraphBlock[] | null {
  // A value's layer name, looked up once per value (undefined: not yet).
  const layerOf = new Array<string | null | undefined>(method.values.length).fill(undefined);
  const layer = (v: number): string | null => {
    let key = layerOf[v];
    if (key === undefined) {
      const value = method.values[v];
      const name = value?.kind === 'tensor' ? value.tensor.fullyQualifiedName : null;
      key = layerOf[v] = (name ? LAYER_NAME.exec(name)?.[1] : null) ?? null;
    }
    return key;
  };
  const keys = accesses.map(({ reads, writes }) => {
    for (const v of reads) {
      const key = layer(v);
      if (key !== null) return key;
    }
    for (const v of writes) {
      const key = layer(v);
      if (key !== null) return key;
    }
    return null;
  });
  return layerBlocks(keys, 'fullyQualifiedName');
}

function byStackTrace(method: Method): GraphBlock[] | null {
  const keys: (string | null)[] = [];
  for (const chain of method.chains) {
    chain.instructions.forEach((_, i) => {
      const frames = chain.stacktrace?.[i] ?? [];
      let key: string | null = null;
      for (const f of frames) {
        const m = LAYER_NAME.exec(f.name) ?? LAYER_NAME.exec(f.context);
        if (m) key = m[1];
      }
      keys.push(key);
    });
  }
  return layerBlocks(keys, 'stackTrace');
}

/**
 * The longest run of instructions made of back-to-back copies of one
 * operator sequence (period p: instruction i calls what i + p calls),
 * cut into copies from the run's start. Ties go to the shorter period, then
 * to the earlier run.
 *
 * A run of matches only counts when it is at least `need` long (p, and long
 * enough to beat the best so far), so each period looks at every `need`-th
 * position and scans out from those that match: about n / p comparisons per
 * period instead of n.
 */
function byOperatorSequence(method: Method): GraphBlock[] {
  const instructions = methodInstructions(method);
  const names = new Map<string, number>();
  const ids = Int32Array.from(instructions, (ins) => {
    const name = instructionTarget(method, ins);
    if (!names.has(name)) names.set(name, names.size);
    return names.get(name)!;
  });
  const n = ids.length;
  let best = { period: 0, start: 0, covered: 0 };
  for (let p = MIN_BLOCK; p <= Math.min(MAX_PERIOD, n >> 1); p++) {
    const end = n - p;
    const need = Math.max(p, best.covered - p + 1);
    for (let i = need - 1; i < end; i += need) {
      if (ids[i] !== ids[i + p]) continue;
      let first = i;
      while (first > 0 && ids[first - 1] === ids[first - 1 + p]) first--;
      let last = i;
      while (last + 1 < end && ids[last + 1] === ids[last + 1 + p]) last++;
      const run = last - first + 1;
      if (run >= p && run + p > best.covered) best = { period: p, start: first, covered: run + p };
      // The next run starts after this one: go on from the first sampled position past it.
      i += Math.floor((last - i) / need) * need;
    }
  }
  if (!best.period) return [];
  const copies = Math.floor(best.covered / best.period);
  const group = `repeat of ${best.period}`;
  return Array.from({ length: copies }, (_, k) => ({
    label: `repeat ${k + 1}/${copies}`,
    first: best.start + k * best.period,
    last: best.start + (k + 1) * best.period - 1,
    source: 'operatorSequence' as const,
    group,
  }));
}
