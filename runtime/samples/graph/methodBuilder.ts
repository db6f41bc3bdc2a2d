import { Delegate, Instruction, Method, Operator, TensorValue, Value } from '../../format/pte/pteTypes';
import { dtypeName, tensorByteSize } from '../../format/scalarType';
import { planMemory } from './memoryPlan';
import { ProgramParts } from './programParts';

/** How a tensor value gets its data. */
export type TensorPlacement =
  /** Memory-planned (activations, outputs, and inputs, as the exporter plans graph inputs by default). */
  | { kind: 'planned' }
  /** Bytes from a `.ptd` by fully qualified name. */
  | { kind: 'external'; fullyQualifiedName: string }
  /** Bytes in the program's constant segment. */
  | { kind: 'constant'; bytes: Uint8Array }
  /** Memory-planned state carried across calls (a mutable buffer), initialised from the mutable data segment. */
  | { kind: 'mutable'; bytes: Uint8Array };

/**
 * Builds one method the way the exporter emits it: a value table, one chain
 * of instructions, operators in first-use order, and delegates. Scalars are
 * not shared between calls (each argument gets its own value, as in exported
 * programs). `build` plans the memory of every planned tensor.
 */
export class MethodBuilder {
  private readonly values: Value[] = [];
  private readonly instructions: Instruction[] = [];
  private readonly operators: Operator[] = [];
  private readonly operatorIndex = new Map<string, number>();
  private readonly delegates: Delegate[] = [];
  private readonly inputs: number[] = [];
  private readonly outputs: number[] = [];
  /** Planned views the exporter turned into aliases: value index → the value whose storage they share. */
  private readonly aliases = new Map<number, number>();

  constructor(readonly name: string, readonly parts: ProgramParts) {}

  tensor(scalarType: number, sizes: readonly number[], placement: TensorPlacement = { kind: 'planned' }): number {
    const external = placement.kind === 'external';
    const dataBufferIdx = placement.kind === 'constant' ? this.parts.addConstant(placement.bytes) : placement.kind === 'mutable' ? this.parts.addMutable(placement.bytes) : 0;
    const tensor: TensorValue = {
      scalarType,
      dtype: dtypeName(scalarType),
      sizes: [...sizes],
      dimOrder: sizes.map((_, i) => i),
      storageOffset: 0,
      requiresGrad: false,
      shapeDynamism: 'static',
      dataBufferIdx,
      allocation: null,
      layout: 0,
      fullyQualifiedName: external ? placement.fullyQualifiedName : null,
      location: external ? 'external' : 'segment',
      mutableDataSegmentsIdx: 0,
      device: { type: 'cpu', index: 0 },
      kind: placement.kind === 'mutable' ? 'mutableWithInitialValue' : placement.kind,
      nbytes: tensorByteSize(scalarType, sizes),
      data: null,
    };
    return this.push({ kind: 'tensor', tensor });
  }

  /** A planned tensor that the caller supplies: appended to the method's inputs. */
  input(scalarType: number, sizes: readonly number[]): number {
    const id = this.tensor(scalarType, sizes);
    this.inputs.push(id);
    return id;
  }

  /**
   * A static view of planned tensor `base` with other sizes, as the exporter
   * leaves it when it elides a `view_copy` (ReplaceViewCopyWithViewPass,
   * then `_emit_view`): a tensor value with the base's storage and no
   * instruction writing it.
   */
  alias(base: number, sizes: readonly number[]): number {
    const root = this.aliases.get(base) ?? base;
    const t = this.tensorAt(root);
    if (t.kind !== 'planned') throw new Error(`${this.name}: value ${base} is not planned memory; only planned tensors are aliased`);
    const id = this.tensor(t.scalarType, sizes);
    if (this.tensorAt(id).nbytes !== t.nbytes) throw new Error(`${this.name}: a view of [${t.sizes}] as [${sizes}] changes the byte size`);
    this.aliases.set(id, root);
    return id;
  }

  output(valueIndex: number): void {
    this.outputs.push(valueIndex);
  }

  int(value: number): number {
    return this.push({ kind: 'int', value: BigInt(value) });
  }

  bool(value: boolean): number {
    return this.push({ kind: 'bool', value });
  }

  double(value: number): number {
    return this.push({ kind: 'double', value });
  }

  string(value: string): number {
    return this.push({ kind: 'string', value });
  }

  none(): number {
    return this.push({ kind: 'null' });
  }

  /** An IntList: one Int value per item, then the list of their indices. */
  intList(items: readonly number[]): number {
    const ids = items.map((v) => this.int(v));
    return this.push({ kind: 'intList', items: ids, resolved: items.map((v) => BigInt(v)) });
  }

  tensorList(items: readonly number[]): number {
    return this.push({ kind: 'tensorList', items: [...items] });
  }

  /** A `Tensor?[]`: value indices, `null` for None (stored as -1). */
  optionalTensorList(items: readonly (number | null)[]): number {
    return this.push({ kind: 'optionalTensorList', items: items.map((i) => i ?? -1) });
  }

  tensorAt(valueIndex: number): TensorValue {
    const v = this.values[valueIndex];
    if (v?.kind !== 'tensor') throw new Error(`${this.name}: value ${valueIndex} is not a tensor`);
    return v.tensor;
  }

  /** Appends a KernelCall to `name.overload` with `args` exactly as given. */
  kernel(name: string, overload: string, args: readonly number[]): void {
    const qualifiedName = overload ? `${name}.${overload}` : name;
    let opIndex = this.operatorIndex.get(qualifiedName);
    if (opIndex === undefined) {
      opIndex = this.operators.length;
      this.operators.push({ name, overload, qualifiedName });
      this.operatorIndex.set(qualifiedName, opIndex);
    }
    this.instructions.push({ kind: 'kernel', opIndex, args: [...args] });
  }

  /** Appends a DelegateCall running `payload` (stored as a segment) on `inputs`, writing `outputs`. */
  delegateCall(backend: string, payload: Uint8Array, inputs: readonly number[], outputs: readonly number[]): void {
    const index = this.parts.addDelegateBlob(payload);
    this.delegates.push({ backend, location: 'segment', index, data: null, compileSpecs: [] });
    this.instructions.push({ kind: 'delegate', delegateIndex: this.delegates.length - 1, args: [...inputs, ...outputs] });
  }

  build(encodedInputSpec: string, encodedOutputSpec: string): Method {
    const arenaSize = planMemory(this.values, this.instructions, this.inputs, this.outputs, this.aliases);
    return {
      name: this.name,
      encodedInputSpec,
      encodedOutputSpec,
      values: this.values,
      inputs: this.inputs,
      outputs: this.outputs,
      chains: [{ inputs: [], outputs: [], instructions: this.instructions, stacktrace: null }],
      operators: this.operators,
      delegates: this.delegates,
      nonConstBufferSizes: [0, arenaSize],
      nonConstBufferDevices: [],
    };
  }

  private push(value: Value): number {
    this.values.push(value);
    return this.values.length - 1;
  }
}
