import { Instruction, Method, TensorValue, Value } from '../../runtime/format/pte/pteTypes';
import {
  XnnConstant,
  XnnNode,
  XnnParam,
  XnnpackGraph,
  XnnQuantization,
  XnnValue,
} from '../../runtime/format/xnnpack/xnnpackTypes';
import { XnnpackLoweringData } from '../../runtime/exec/onnx/xnnpack/lowerXnnpack';
import { XnnpackConstantBytes } from '../../runtime/exec/program/xnnpackConstants';
import { XnnpackReference } from '../../runtime/exec/reference/xnnpack/runXnnpack';
import { scalarTypeByName } from '../../runtime/format/scalarType';
import { compareValues, Tolerance } from '../../runtime/exec/compare';
import { loweringConstants, OnnxMethod } from '../../runtime/exec/onnx/onnxMethod';
import { ReferenceMethod } from '../../runtime/exec/reference/interpreter';
import { seededRandom } from '../../runtime/exec/randomInputs';
import { operatorSchema } from '../../runtime/exec/schema/operatorSchemas';
import { DType, fromNumbers, isFloating, numel, Tensor } from '../../runtime/exec/tensor';
import { RunValue } from '../../runtime/exec/values';

/** A tensor value as the decoder would produce it, with the fields the engines read. */
export function tensorValue(dtype: string, sizes: number[], kind: TensorValue['kind'], dynamic = false): TensorValue {
  const info = scalarTypeByName(dtype);
  return {
    scalarType: info?.code ?? 6,
    dtype,
    sizes,
    dimOrder: sizes.map((_, i) => i),
    storageOffset: 0,
    requiresGrad: false,
    shapeDynamism: dynamic ? 'dynamicBound' : 'static',
    dataBufferIdx: kind === 'constant' ? 1 : 0,
    allocation:
      kind === 'planned' || kind === 'mutableWithInitialValue' || kind === 'externalMutable'
        ? { memoryId: 1, offset: 0 }
        : null,
    layout: 0,
    fullyQualifiedName: null,
    location: 'segment',
    mutableDataSegmentsIdx: 0,
    device: { type: 'cpu', index: 0 },
    kind,
    nbytes: numel(sizes) * (info?.elementSize ?? 4),
    data: null,
  };
}

/**
 * Builds a Method in memory: values, kernel calls (returns appended as the
 * emitter does), inputs and outputs. Constants go to `stored`.
 */
export class MethodBuilder {
  readonly values: Value[] = [];
  readonly operators: { name: string; overload: string; qualifiedName: string }[] = [];
  readonly instructions: Instruction[] = [];
  readonly stored = new Map<number, Tensor>();
  inputs: number[] = [];
  outputs: number[] = [];

  private add(v: Value): number {
    this.values.push(v);
    return this.values.length - 1;
  }

  /** A tensor supplied at run time (a method input). */
  input(dtype: string, sizes: number[], dynamic = false): number {
    const i = this.add({ kind: 'tensor', tensor: tensorValue(dtype, sizes, 'planned', dynamic) });
    this.inputs.push(i);
    return i;
  }

  /** A planned tensor (an activation or an out argument). */
  planned(dtype: string, sizes: number[] = []): number {
    return this.add({ kind: 'tensor', tensor: tensorValue(dtype, sizes, 'planned') });
  }

  constant(t: Tensor): number {
    const i = this.add({ kind: 'tensor', tensor: tensorValue(t.dtype, t.shape, 'constant') });
    this.stored.set(i, t);
    return i;
  }

  int(value: number): number {
    return this.add({ kind: 'int', value: BigInt(value) });
  }

  double(value: number): number {
    return this.add({ kind: 'double', value });
  }

  bool(value: boolean): number {
    return this.add({ kind: 'bool', value });
  }

  string(value: string): number {
    return this.add({ kind: 'string', value });
  }

  none(): number {
    return this.add({ kind: 'null' });
  }

  intList(items: number[]): number {
    const indices = items.map((v) => this.int(v));
    return this.add({ kind: 'intList', items: indices, resolved: items.map(BigInt) });
  }

  /** An IntList whose items are existing Int values (e.g. computed by sym_size). */
  intListOf(indices: number[]): number {
    return this.add({ kind: 'intList', items: indices, resolved: indices.map(() => null) });
  }

  doubleList(items: number[]): number {
    return this.add({ kind: 'doubleList', items });
  }

  boolList(items: boolean[]): number {
    return this.add({ kind: 'boolList', items });
  }

  tensorList(items: number[]): number {
    return this.add({ kind: 'tensorList', items });
  }

  optionalTensorList(items: number[]): number {
    return this.add({ kind: 'optionalTensorList', items });
  }

  scalarType(dtype: DType): number {
    return this.int(scalarTypeByName(dtype)!.code);
  }

  private opIndex(qualifiedName: string): number {
    const existing = this.operators.findIndex((o) => o.qualifiedName === qualifiedName);
    if (existing >= 0) return existing;
    const [name, overload = ''] = qualifiedName.split(/\.(?=[^.:]*$)/);
    this.operators.push({ name, overload, qualifiedName });
    return this.operators.length - 1;
  }

  /**
   * A KernelCall with `args` in schema order; returns are appended as the
   * emitter does (the out argument again, a list of outs for tuples, or a
   * new value for scalar returns). Returns the value indices of the returns.
   */
  call(qualifiedName: string, args: number[]): number[] {
    const schema = operatorSchema(qualifiedName);
    if (!schema) throw new Error(`no schema for ${qualifiedName}`);
    if (args.length !== schema.args.length)
      throw new Error(`${qualifiedName} takes ${schema.args.length} arguments, got ${args.length}`);
    const returns = schema.returns.map((r) => {
      if (r.aliasOf) return args[schema.args.findIndex((a) => a.name === r.aliasOf)];
      if (r.type.base === 'Tensor') return this.planned('float32');
      return this.add({ kind: 'null' });
    });
    const trailing = returns.length > 1 ? [this.tensorList(returns)] : returns;
    this.instructions.push({ kind: 'kernel', opIndex: this.opIndex(qualifiedName), args: [...args, ...trailing] });
    return returns;
  }

  instruction(ins: Instruction): void {
    this.instructions.push(ins);
  }

  build(name = 'forward'): Method {
    return {
      name,
      encodedInputSpec: '',
      encodedOutputSpec: '',
      values: this.values,
      inputs: this.inputs,
      outputs: this.outputs,
      chains: [{ inputs: [], outputs: [], instructions: this.instructions, stacktrace: null }],
      operators: this.operators,
      delegates: [],
      nonConstBufferSizes: [0, 0],
      nonConstBufferDevices: [],
    };
  }
}

export type Range = [number, number];

/** Random values for a tensor: floats uniform in `range`, integers in [lo, hi), bools 50/50. */
export function randomTensor(next: () => number, dtype: DType, shape: number[], range: Range = [-2, 2]): Tensor {
  const n = numel(shape);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (dtype === 'bool') values[i] = next() < 0.5 ? 1 : 0;
    else if (isFloating(dtype)) values[i] = range[0] + next() * (range[1] - range[0]);
    else values[i] = Math.floor(range[0] + next() * (range[1] - range[0]));
  }
  return fromNumbers(dtype, shape, values);
}

export { seededRandom };

/** Tolerance for comparing the two engines on an output of `dtype` (float64 oracle vs float32 compute). */
export function toleranceFor(dtype: string): Tolerance {
  switch (dtype) {
    case 'float16':
      return { atol: 2e-3, rtol: 4e-3 };
    case 'bfloat16':
      return { atol: 2e-2, rtol: 2e-2 };
    case 'float32':
      return { atol: 1e-5, rtol: 1e-4 };
    case 'float64':
      return { atol: 1e-5, rtol: 1e-4 };
    default:
      return { atol: 0, rtol: 0 };
  }
}

export interface EngineRuns {
  reference: RunValue[];
  onnx: RunValue[];
}

/** Runs a built method on both engines with the same inputs. */
export async function runBoth(method: Method, stored: Map<number, Tensor>, inputs: RunValue[]): Promise<EngineRuns> {
  const reference = await ReferenceMethod.fromParts(method, stored).run(inputs);
  const onnx = OnnxMethod.fromParts(method, stored);
  try {
    return { reference: reference.outputs, onnx: (await onnx.run(inputs)).outputs };
  } finally {
    await onnx.dispose();
  }
}

/** First mismatch between the engines' outputs (labels name the outputs), or null. */
export function firstMismatch(
  runs: EngineRuns,
  labels: string[],
  tolerance?: (dtype: string) => Tolerance,
): string | null {
  for (let i = 0; i < runs.reference.length; i++) {
    const ref = runs.reference[i];
    const tol = (tolerance ?? toleranceFor)(ref.kind === 'tensor' ? ref.dtype : 'float64');
    const c = compareValues(runs.onnx[i], ref, tol, labels[i] ?? `output ${i}`);
    if (!c.equal) return c.reason;
  }
  return null;
}

/** Builds an XNNPACK delegate graph in memory, with float32/int constants as raw bytes. */
export class XnnGraphBuilder {
  readonly values: XnnValue[] = [];
  readonly nodes: XnnNode[] = [];
  readonly constants: XnnConstant[] = [{ index: 0, source: 'none', namedKey: null, size: 0, range: null }];
  readonly constantBytes = new Map<number, Uint8Array>();
  readonly scaleBytes = new Map<number, Uint8Array>();
  private externals = 0;

  private value(
    datatype: string,
    dims: number[],
    quantization: XnnQuantization | null,
    extra: Partial<XnnValue>,
  ): number {
    const idOut = this.values.length;
    this.values.push({
      index: idOut,
      idOut,
      datatype,
      dims,
      externalId: null,
      flags: 0,
      isInput: false,
      isOutput: false,
      constantIndex: 0,
      quantization,
      ...extra,
    });
    return idOut;
  }

  input(dims: number[], datatype = 'fp32', quantization: XnnQuantization | null = null): number {
    return this.value(datatype, dims, quantization, { externalId: this.externals++, flags: 1, isInput: true });
  }

  output(dims: number[], datatype = 'fp32', quantization: XnnQuantization | null = null): number {
    return this.value(datatype, dims, quantization, { externalId: this.externals++, flags: 2, isOutput: true });
  }

  internal(dims: number[], datatype = 'fp32', quantization: XnnQuantization | null = null): number {
    return this.value(datatype, dims, quantization, {});
  }

  /** A constant holding `bytes` (already in the datatype's storage). */
  constant(dims: number[], datatype: string, bytes: Uint8Array, quantization: XnnQuantization | null = null): number {
    const index = this.constants.length;
    this.constants.push({ index, source: 'payload', namedKey: null, size: bytes.length, range: null });
    const id = this.value(datatype, dims, quantization, { constantIndex: index });
    this.constantBytes.set(id, bytes);
    return id;
  }

  floatConstant(dims: number[], values: ArrayLike<number>): number {
    return this.constant(dims, 'fp32', new Uint8Array(Float32Array.from(values).buffer));
  }

  node(
    kind: string,
    inputs: [string, number][],
    outputs: number[],
    params: Record<string, XnnParam> = {},
    extra: Partial<XnnNode> = {},
  ): void {
    this.nodes.push({
      index: this.nodes.length,
      kind,
      tag: 0,
      inputs: inputs.map(([, id]) => id),
      inputRoles: inputs.map(([role]) => role),
      outputs,
      params,
      flags: 0,
      debugHandle: 0,
      outputMinMax: null,
      ...extra,
    });
  }

  graph(): XnnpackGraph {
    const externals = this.values.filter((v) => v.externalId !== null);
    return {
      container: 'XH00',
      identifier: 'XN01',
      version: '',
      header: null,
      nodes: this.nodes,
      values: this.values,
      numExterns: externals.length,
      inputIds: this.values.filter((v) => v.isInput).map((v) => v.idOut),
      outputIds: this.values.filter((v) => v.isOutput).map((v) => v.idOut),
      constants: this.constants,
      warnings: [],
    };
  }
}

/**
 * A method whose only instruction calls one XNNPACK delegate: one method
 * value per external graph value (inputs as method inputs, outputs as method
 * outputs), bound by external id. Returns both engines ready to run.
 */
export function xnnpackMethod(
  g: XnnGraphBuilder,
  outputDtypes: DType[] = [],
): { reference: ReferenceMethod; onnx: OnnxMethod } {
  const graph = g.graph();
  const b = new MethodBuilder();
  const args: number[] = [];
  let out = 0;
  for (const v of [...graph.values]
    .filter((x) => x.externalId !== null)
    .sort((p, q) => p.externalId! - q.externalId!)) {
    const dtype =
      v.datatype === 'fp32'
        ? 'float32'
        : v.datatype === 'fp16'
          ? 'float16'
          : v.datatype === 'qint8'
            ? 'int8'
            : v.datatype === 'quint8'
              ? 'uint8'
              : 'float32';
    if (v.isInput) args.push(b.input(dtype, v.dims));
    else {
      const index = b.planned(outputDtypes[out++] ?? dtype, v.dims);
      b.outputs.push(index);
      args.push(index);
    }
  }
  b.instruction({ kind: 'delegate', delegateIndex: 0, args });
  const method = b.build();
  method.delegates.push({ backend: 'XnnpackBackend', location: 'segment', index: 0, data: null, compileSpecs: [] });
  const constants: XnnpackConstantBytes = { data: g.constantBytes, scales: g.scaleBytes };
  const lowering: XnnpackLoweringData = {
    delegateIndex: 0,
    graph,
    constants: loweringConstants(graph, constants),
    rearranged: new Map(),
  };
  return {
    reference: ReferenceMethod.fromParts(method, b.stored, new Map([[0, new XnnpackReference(graph, constants)]])),
    onnx: OnnxMethod.fromParts(method, b.stored, new Map([[0, lowering]])),
  };
}
