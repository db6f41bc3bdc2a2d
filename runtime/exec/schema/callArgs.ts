import { Method, TensorValue, Value } from '../../format/pte/pteTypes';
import { scalarTypeInfo } from '../../format/scalarType';
import { ExecutionError, ProgramLocation } from '../errors';
import { DType, isDType } from '../tensor';
import { OperatorSchema, SchemaArgument } from './schema';

/** Non-tensor contents of a value slot. */
export type Scalar =
  | { kind: 'int'; value: number }
  | { kind: 'double'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'none' };

/** The slot a method's scalar value starts with (None, int, double, bool, string); undefined for tensors and lists. */
export function initialScalar(v: Value): Scalar | undefined {
  switch (v.kind) {
    case 'null':
      return { kind: 'none' };
    case 'int':
      return { kind: 'int', value: Number(v.value) };
    case 'double':
    case 'bool':
    case 'string':
      return { kind: v.kind, value: v.value } as Scalar;
    default:
      return undefined;
  }
}

/** What a value index holds while a method runs (or is lowered): a tensor of type T or a scalar. */
export type Slot<T> = T | Scalar;

export interface TensorLike {
  kind: 'tensor';
  dtype: DType;
  shape: number[];
}

/** How many trailing KernelCall args are returns, and which values they are. */
export interface ReturnBinding {
  /** Per schema return, the value indices that receive it (its own value and, if aliased, the argument's). */
  targets: number[][];
}

/**
 * Checks a KernelCall's argument list against the schema: the schema's
 * arguments, then one value per return or one list value holding all
 * returns, or nothing when every return aliases an `out` argument.
 * Returns the problem, or null when the call fits.
 */
export function checkArity(schema: OperatorSchema, method: Method, args: readonly number[]): string | null {
  const extra = args.length - schema.args.length;
  if (extra < 0) return `${args.length} arguments, the schema has ${schema.args.length}: ${schema.text}`;
  const returns = schema.returns.length;
  if (extra === returns || (extra === 0 && schema.returns.every((r) => r.aliasOf !== null))) return null;
  if (extra === 1 && returns > 1) {
    const v = method.values[args[args.length - 1]];
    if (v && (v.kind === 'tensorList' || v.kind === 'null')) return null;
  }
  return `${args.length} arguments do not fit the schema (${schema.args.length} arguments, ${returns} returns): ${schema.text}`;
}

/**
 * Typed access to one KernelCall's arguments by schema name, over value
 * slots of type `Slot<T>`. The reference interpreter reads concrete tensors,
 * the ONNX lowering reads graph tensors; both read scalars and lists the
 * same way (IntList items are value indices, so sizes computed at run time
 * by `sym_size` flow through).
 */
export class CallArgs<T extends TensorLike> {
  private readonly position = new Map<string, number>();

  constructor(
    readonly schema: OperatorSchema,
    readonly method: Method,
    readonly args: readonly number[],
    readonly where: ProgramLocation,
    private readonly read: (valueIndex: number) => Slot<T> | undefined,
    private readonly write: (valueIndex: number, slot: Slot<T>) => void,
  ) {
    schema.args.forEach((a, i) => this.position.set(a.name, i));
  }

  fail(message: string): never {
    throw new ExecutionError(`${this.schema.qualifiedName}: ${message}`, this.where);
  }

  /** Rejects the value of argument `name`; the error names the operator, the argument and the instruction. */
  invalid(name: string, message: string): never {
    return this.fail(`argument '${name}': ${message}`);
  }

  /** Value index bound to argument `name`. */
  valueIndex(name: string): number {
    const i = this.position.get(name);
    if (i === undefined) return this.fail(`no argument '${name}' in ${this.schema.text}`);
    return this.args[i];
  }

  private argument(name: string): SchemaArgument {
    return this.schema.args[this.position.get(name)!];
  }

  private slot(index: number, what: string): Slot<T> {
    const s = this.read(index);
    if (s === undefined) return this.fail(`${what} (value ${index}) has no value yet`);
    return s;
  }

  /** True when the argument is None (or an optional list entry -1). */
  isNone(name: string): boolean {
    const index = this.valueIndex(name);
    if (index < 0) return true;
    const v = this.method.values[index];
    if (v?.kind === 'null') return true;
    const s = this.read(index);
    return s !== undefined && s.kind === 'none';
  }

  tensor(name: string): T {
    const index = this.valueIndex(name);
    const s = this.slot(index, `argument '${name}'`);
    if (s.kind !== 'tensor') return this.fail(`argument '${name}' (value ${index}) is ${s.kind}, expected a tensor`);
    return s as T;
  }

  optTensor(name: string): T | null {
    return this.isNone(name) ? null : this.tensor(name);
  }

  /** `Tensor[]` (items must be tensors) or `Tensor?[]` (None items are null). */
  tensorList(name: string): (T | null)[] {
    const index = this.valueIndex(name);
    const v = this.method.values[index];
    if (!v || (v.kind !== 'tensorList' && v.kind !== 'optionalTensorList'))
      return this.fail(`argument '${name}' (value ${index}) is not a tensor list`);
    return v.items.map((item, k) => {
      if (item < 0) return null;
      const s = this.slot(item, `item ${k} of '${name}'`);
      if (s.kind === 'none') return null;
      if (s.kind !== 'tensor') return this.fail(`item ${k} of '${name}' is ${s.kind}, expected a tensor`);
      return s as T;
    });
  }

  tensors(name: string): T[] {
    return this.tensorList(name).map((t, k) => t ?? this.fail(`item ${k} of '${name}' is None`));
  }

  private number(index: number, what: string, allowBool: boolean): number {
    const s = this.slot(index, what);
    if (s.kind === 'int' || s.kind === 'double') return s.value;
    if (s.kind === 'bool' && allowBool) return s.value ? 1 : 0;
    return this.fail(`${what} (value ${index}) is ${s.kind}, expected a number`);
  }

  int(name: string): number {
    const index = this.valueIndex(name);
    const v = this.method.values[index];
    // A single int may be written where the schema has `int[1]`.
    if (v?.kind === 'intList') return this.intList(name)[0];
    return this.number(index, `argument '${name}'`, true);
  }

  optInt(name: string): number | null {
    return this.isNone(name) ? null : this.int(name);
  }

  intList(name: string): number[] {
    const index = this.valueIndex(name);
    const v = this.method.values[index];
    if (v?.kind === 'intList') return v.items.map((item, k) => this.number(item, `item ${k} of '${name}'`, false));
    if (v?.kind === 'int' || this.read(index)?.kind === 'int') return [this.number(index, `argument '${name}'`, false)];
    return this.fail(`argument '${name}' (value ${index}) is ${v?.kind ?? 'missing'}, expected an int list`);
  }

  optIntList(name: string): number[] | null {
    return this.isNone(name) ? null : this.intList(name);
  }

  float(name: string): number {
    return this.number(this.valueIndex(name), `argument '${name}'`, true);
  }

  optFloat(name: string): number | null {
    return this.isNone(name) ? null : this.float(name);
  }

  floatList(name: string): number[] {
    const index = this.valueIndex(name);
    const v = this.method.values[index];
    if (v?.kind === 'doubleList') return [...v.items];
    if (v?.kind === 'intList') return this.intList(name);
    return this.fail(`argument '${name}' (value ${index}) is ${v?.kind ?? 'missing'}, expected a float list`);
  }

  optFloatList(name: string): number[] | null {
    return this.isNone(name) ? null : this.floatList(name);
  }

  bool(name: string): boolean {
    const index = this.valueIndex(name);
    const s = this.slot(index, `argument '${name}'`);
    if (s.kind === 'bool') return s.value;
    if (s.kind === 'int') return s.value !== 0;
    return this.fail(`argument '${name}' (value ${index}) is ${s.kind}, expected a bool`);
  }

  optBool(name: string): boolean | null {
    return this.isNone(name) ? null : this.bool(name);
  }

  boolList(name: string): boolean[] {
    const index = this.valueIndex(name);
    const v = this.method.values[index];
    if (v?.kind === 'boolList') return [...v.items];
    return this.fail(`argument '${name}' (value ${index}) is ${v?.kind ?? 'missing'}, expected a bool list`);
  }

  /** A `Scalar` argument as a number (bools are 0/1). */
  scalar(name: string): number {
    return this.number(this.valueIndex(name), `argument '${name}'`, true);
  }

  optScalar(name: string): number | null {
    return this.isNone(name) ? null : this.scalar(name);
  }

  /** The kind of a `Scalar` argument: decides type promotion with tensors. */
  scalarKind(name: string): 'int' | 'double' | 'bool' {
    const s = this.slot(this.valueIndex(name), `argument '${name}'`);
    if (s.kind === 'int' || s.kind === 'double' || s.kind === 'bool') return s.kind;
    return this.fail(`argument '${name}' is ${s.kind}, expected a scalar`);
  }

  /** The raw scalar slot (for prim ops that keep int/double/bool apart). */
  scalarSlot(name: string): Scalar {
    const s = this.slot(this.valueIndex(name), `argument '${name}'`);
    if (s.kind === 'tensor') return this.fail(`argument '${name}' is a tensor, expected a scalar`);
    return s as Scalar;
  }

  string(name: string): string {
    const s = this.slot(this.valueIndex(name), `argument '${name}'`);
    if (s.kind !== 'string') return this.fail(`argument '${name}' is ${s.kind}, expected a string`);
    return s.value;
  }

  optString(name: string): string | null {
    return this.isNone(name) ? null : this.string(name);
  }

  /** A `ScalarType` argument as a dtype name, or null for None. */
  optScalarType(name: string): DType | null {
    if (this.isNone(name)) return null;
    const code = this.int(name);
    const dtype = scalarTypeInfo(code)?.dtype;
    if (!dtype || !isDType(dtype))
      return this.fail(`argument '${name}' is scalar type ${code}, which the runner does not support`);
    return dtype;
  }

  scalarType(name: string): DType {
    return this.optScalarType(name) ?? this.fail(`argument '${name}' is None, expected a scalar type`);
  }

  /** The program's declaration of an out tensor: its dtype (exact) and sizes (upper bounds when dynamic). */
  outMeta(name: string): TensorValue {
    const index = this.valueIndex(name);
    const v = this.method.values[index];
    if (v?.kind !== 'tensor') return this.fail(`out argument '${name}' (value ${index}) is not a tensor`);
    return v.tensor;
  }

  outDtype(name: string): DType {
    const dtype = this.outMeta(name).dtype;
    if (!isDType(dtype))
      return this.fail(`out argument '${name}' has dtype ${dtype}, which the runner does not support`);
    return dtype;
  }

  /** Declarations of the tensors of a `Tensor(a!)[]` out list. */
  outMetas(name: string): TensorValue[] {
    const index = this.valueIndex(name);
    const v = this.method.values[index];
    if (v?.kind !== 'tensorList') return this.fail(`out argument '${name}' (value ${index}) is not a tensor list`);
    return v.items.map((item) => {
      const t = this.method.values[item];
      if (t?.kind !== 'tensor') return this.fail(`item of out list '${name}' (value ${item}) is not a tensor`);
      return t.tensor;
    });
  }

  /** Stores the result for out argument `name` and every return aliasing it. */
  setOut(name: string, value: Slot<T>): void {
    const index = this.valueIndex(name);
    this.write(index, value);
    const alias = this.argument(name).type.alias;
    if (alias === null) return;
    const returnIndex = this.schema.returns.findIndex((r) => r.type.alias === alias);
    if (returnIndex < 0) return;
    const trailing = this.args.slice(this.schema.args.length);
    if (trailing.length === this.schema.returns.length && trailing[returnIndex] !== index)
      this.write(trailing[returnIndex], value);
  }

  setOutList(name: string, values: T[]): void {
    const index = this.valueIndex(name);
    const v = this.method.values[index];
    if (v?.kind !== 'tensorList') return this.fail(`out argument '${name}' is not a tensor list`);
    if (v.items.length !== values.length)
      return this.fail(`out list '${name}' has ${v.items.length} tensors, the result has ${values.length}`);
    v.items.forEach((item, k) => this.write(item, values[k]));
  }

  /** Stores a return that is a new value (`-> SymInt`, `-> Tensor` of et_view). */
  setReturn(value: Slot<T>, returnIndex = 0): void {
    const trailing = this.args.slice(this.schema.args.length);
    const target = trailing[returnIndex];
    if (target === undefined) return this.fail(`the call has no value for return ${returnIndex}`);
    this.write(target, value);
  }
}
