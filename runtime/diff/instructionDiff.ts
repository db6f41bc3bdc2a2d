import {
  formatInstruction,
  instructionOperands,
  instructionTarget,
  methodInstructions,
  valueLiteral,
} from '../format/pte/describe';
import { Instruction, Method, TensorValue } from '../format/pte/pteTypes';
import { AlignStep, alignSequences } from './align';
import { ArgumentChange, InstructionRow, InstructionSide, MethodCounts } from './diffTypes';

/** Tensor kinds worth naming in an argument; planned and runtime tensors are the common case. */
const NAMED_KINDS: Partial<Record<TensorValue['kind'], string>> = {
  constant: 'constant',
  external: 'external',
  externalMutable: 'external mutable',
  mutableWithInitialValue: 'mutable',
};

function tensorText(t: TensorValue): string {
  const kind = NAMED_KINDS[t.kind];
  return `${t.dtype}[${t.sizes.join(', ')}]${kind ? ` ${kind}` : ''}`;
}

/**
 * An argument as compared across programs: tensors by dtype, shape and kind
 * (their value indices are numbering, not meaning), everything else by value.
 */
function argumentKey(method: Method, index: number): string {
  const v = method.values[index];
  if (v?.kind === 'tensor') return tensorText(v.tensor);
  if (v?.kind === 'tensorList' || v?.kind === 'optionalTensorList') {
    return `[${v.items.map((i) => (i < 0 ? 'None' : argumentKey(method, i))).join(', ')}]`;
  }
  return valueLiteral(method, index);
}

/** An argument as shown: `%3: float32[2, 2]`, `0.5`, `[1, 1]`. */
function argumentText(method: Method, index: number): string {
  const v = method.values[index];
  return v?.kind === 'tensor' ? `%${index}: ${tensorText(v.tensor)}` : valueLiteral(method, index);
}

function argumentChanges(ma: Method, ia: Instruction, mb: Method, ib: Instruction): ArgumentChange[] {
  const xa = instructionOperands(ia);
  const xb = instructionOperands(ib);
  const out: ArgumentChange[] = [];
  for (let p = 0; p < Math.max(xa.length, xb.length); p++) {
    const ka = p < xa.length ? argumentKey(ma, xa[p]) : null;
    const kb = p < xb.length ? argumentKey(mb, xb[p]) : null;
    if (ka !== kb)
      out.push({
        position: p,
        a: p < xa.length ? argumentText(ma, xa[p]) : null,
        b: p < xb.length ? argumentText(mb, xb[p]) : null,
      });
  }
  // A jump's destination is an instruction position, not an argument value.
  if (ia.kind === 'jumpFalse' && ib.kind === 'jumpFalse' && ia.destination !== ib.destination) {
    out.push({ position: 1, a: `@${ia.destination}`, b: `@${ib.destination}` });
  }
  return out;
}

function side(method: Method, ins: Instruction, index: number): InstructionSide {
  return { index, target: instructionTarget(method, ins), text: formatInstruction(method, ins) };
}

export interface InstructionAlignment {
  rows: InstructionRow[];
  counts: MethodCounts;
  method: 'myers' | 'positional';
}

/**
 * Aligns the instructions of two methods: first calls with the same target
 * and the same arguments (so inserted calls, e.g. a LoRA branch, do not pull
 * unchanged ones out of place), then, within each stretch left unmatched,
 * calls by what they call; the arguments of each aligned pair are compared.
 */
export function diffInstructions(ma: Method, mb: Method): InstructionAlignment {
  const la = methodInstructions(ma);
  const lb = methodInstructions(mb);
  const call = (m: Method, ins: Instruction) =>
    `${instructionTarget(m, ins)}(${instructionOperands(ins)
      .map((i) => argumentKey(m, i))
      .join(', ')})`;
  const exact = alignSequences(
    la.map((i) => call(ma, i)),
    lb.map((i) => call(mb, i)),
  );
  const steps: AlignStep[] = [];
  let positional = exact.method === 'positional';
  let removed: number[] = [];
  let added: number[] = [];
  const flush = () => {
    if (removed.length > 0 && added.length > 0) {
      const byTarget = alignSequences(
        removed.map((i) => instructionTarget(ma, la[i])),
        added.map((i) => instructionTarget(mb, lb[i])),
      );
      positional ||= byTarget.method === 'positional';
      for (const s of byTarget.steps) {
        steps.push(
          s.kind === 'match'
            ? { kind: 'match', a: removed[s.a], b: added[s.b] }
            : s.kind === 'remove'
              ? { kind: 'remove', a: removed[s.a] }
              : { kind: 'add', b: added[s.b] },
        );
      }
    } else {
      for (const a of removed) steps.push({ kind: 'remove', a });
      for (const b of added) steps.push({ kind: 'add', b });
    }
    removed = [];
    added = [];
  };
  for (const s of exact.steps) {
    if (s.kind === 'remove') removed.push(s.a);
    else if (s.kind === 'add') added.push(s.b);
    else {
      flush();
      steps.push(s);
    }
  }
  flush();
  const alignment = { steps, method: positional ? ('positional' as const) : ('myers' as const) };
  const counts: MethodCounts = { identical: 0, changed: 0, added: 0, removed: 0 };
  const rows = alignment.steps.map((s): InstructionRow => {
    if (s.kind === 'remove') {
      counts.removed++;
      return { status: 'removed', a: side(ma, la[s.a], s.a), b: null, argumentChanges: [] };
    }
    if (s.kind === 'add') {
      counts.added++;
      return { status: 'added', a: null, b: side(mb, lb[s.b], s.b), argumentChanges: [] };
    }
    const changes = argumentChanges(ma, la[s.a], mb, lb[s.b]);
    const status = changes.length ? 'changed' : 'identical';
    counts[status]++;
    return { status, a: side(ma, la[s.a], s.a), b: side(mb, lb[s.b], s.b), argumentChanges: changes };
  });
  return { rows, counts, method: alignment.method };
}
