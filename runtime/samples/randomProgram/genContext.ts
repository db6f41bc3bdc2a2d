import { scalarTypeByName } from '../../format/scalarType';
import { PtdEntryInput } from '../../format/writer/types';
import { seededRandom } from '../../exec/randomInputs';
import { operatorSchema } from '../../exec/schema/operatorSchemas';
import { DType, fromNumbers, isFloating, numel, tensorBytes } from '../../exec/tensor';
import { MethodBuilder, TensorPlacement } from '../graph/methodBuilder';

/** A tensor value of the program being generated, with what the generator knows about it. */
export interface Node {
  id: number;
  dtype: DType;
  shape: number[];
  /**
   * Holds stored numbers exactly on every engine (inputs, constants, and what
   * copies, comparisons and integer arithmetic make of them). Operators that
   * jump (floor, sign, comparisons, argmax, …) read only exact nodes: a value
   * one rounding off would give an answer that is not comparable.
   */
  exact: boolean;
  /** A memory-planned activation written by an instruction (not an input, constant, view or buffer). */
  written: boolean;
  /** Set for static views aliased through the memory plan. */
  viewOf?: number;
}

/**
 * What an operator template and the program recipe share: the seeded random
 * stream, the method being built, the operators the portable kernel library
 * has, and the external weights that go into the program's `.ptd`.
 */
export class GenContext {
  readonly rand: () => number;
  readonly nodes: Node[] = [];
  readonly ptdEntries: PtdEntryInput[] = [];
  /** Operators emitted, by qualified name. */
  readonly used = new Set<string>();
  private nextKey = 0;

  constructor(seed: number, readonly b: MethodBuilder, readonly portable: ReadonlySet<string>) {
    this.rand = seededRandom(seed);
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.rand() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)];
  }

  has(op: string): boolean {
    return this.portable.has(op);
  }

  node(id: number, dtype: DType, shape: readonly number[], exact: boolean, written = true): Node {
    const n: Node = { id, dtype, shape: [...shape], exact, written };
    this.nodes.push(n);
    return n;
  }

  /** A planned activation of `dtype` and `shape` (an operator's out argument). */
  planned(dtype: DType, shape: readonly number[], exact: boolean): Node {
    return this.node(this.b.tensor(dtypeCode(dtype), shape), dtype, shape, exact);
  }

  /** Random values for `dtype`: floats in [-1, 1), integers in [-5, 5], bools 0/1. */
  values(dtype: DType, count: number): Float64Array {
    const v = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      v[i] = isFloating(dtype) ? this.rand() * 2 - 1 : dtype === 'bool' ? (this.rand() < 0.5 ? 1 : 0) : dtype === 'uint8' ? this.int(0, 9) : this.int(-5, 5);
    }
    return v;
  }

  /** A stored tensor of random values: in the constant segment, or in the `.ptd` (EXTERNAL) with probability `externalP`. */
  weight(dtype: DType, shape: readonly number[], externalP = 0.3, values = this.values(dtype, numel(shape))): Node {
    const bytes = tensorBytes(fromNumbers(dtype, shape, values));
    let placement: TensorPlacement;
    if (this.chance(externalP)) {
      const key = `w${this.nextKey++}`;
      this.ptdEntries.push({ key, layout: { scalarType: dtypeCode(dtype), sizes: [...shape], dimOrder: shape.map((_, i) => i) }, size: bytes.length, bytes });
      placement = { kind: 'external', fullyQualifiedName: key };
    } else {
      placement = { kind: 'constant', bytes };
    }
    return this.node(this.b.tensor(dtypeCode(dtype), shape, placement), dtype, shape, true, false);
  }

  /** Emits `op` with `args` exactly as given (the schema's argument order, outs, then the returned values). */
  kernel(op: string, args: number[]): void {
    const schema = operatorSchema(op);
    if (!schema) throw new Error(`random program: no schema for ${op}`);
    // The emitter appends the returned values (several as one TensorList) after the schema's arguments.
    const expected = schema.args.length + Math.min(schema.returns.length, 1);
    if (args.length !== expected) throw new Error(`random program: ${op} takes ${expected} arguments with its return, got ${args.length}`);
    const dot = op.indexOf('.', op.indexOf('::') + 2);
    const [name, overload] = dot < 0 ? [op, ''] : [op.slice(0, dot), op.slice(dot + 1)];
    this.b.kernel(name, overload, args);
    this.used.add(op);
  }

  /** `op(args…, out) -> out` for the usual single-output `.out` kernels. */
  call(op: string, args: number[], dtype: DType, shape: readonly number[], exact: boolean): Node {
    const out = this.planned(dtype, shape, exact);
    this.kernel(op, [...args, out.id, out.id]);
    return out;
  }

  ints(items: readonly number[]): number {
    return this.b.intList(items);
  }
}

/** ExecuTorch's ScalarType number of `dtype`. */
export function dtypeCode(dtype: DType): number {
  const info = scalarTypeByName(dtype);
  if (!info) throw new Error(`no scalar type for ${dtype}`);
  return info.code;
}
