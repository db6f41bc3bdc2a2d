import { onnx } from 'onnx-proto';
import { castTensor, DType, numel, Tensor, tensorBytes } from '../tensor';

/** ONNX IR version and default-domain opset the lowering targets (opset 18: reduction axes as inputs). */
export const IR_VERSION = 8;
export const OPSET = 18;

const ONNX_TYPE: Record<DType, onnx.TensorProto.DataType> = {
  bool: onnx.TensorProto.DataType.BOOL,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  int16: onnx.TensorProto.DataType.INT16,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  uint16: onnx.TensorProto.DataType.UINT16,
  uint32: onnx.TensorProto.DataType.UINT32,
  uint64: onnx.TensorProto.DataType.UINT64,
  float16: onnx.TensorProto.DataType.FLOAT16,
  bfloat16: onnx.TensorProto.DataType.BFLOAT16,
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
};

export function onnxType(dtype: DType): onnx.TensorProto.DataType {
  return ONNX_TYPE[dtype];
}

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] } | { tensor: Tensor };

function attribute(name: string, value: AttrValue): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('floats' in value) return { name, type: T.FLOATS, floats: value.floats };
  return { name, type: T.TENSOR, t: tensorProto('', value.tensor) };
}

/** A tensor as an ONNX TensorProto with raw (little-endian) data. */
export function tensorProto(name: string, t: Tensor): onnx.ITensorProto {
  return { name, dataType: onnxType(t.dtype), dims: t.shape, rawData: tensorBytes(t) };
}

function valueInfo(name: string, dtype: DType, shape: readonly (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnxType(dtype),
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** Bytes handed to the session beside the model: one in-memory "file" per external weight. */
export interface ExternalWeight {
  path: string;
  data: Uint8Array;
}

/**
 * Builds one ONNX graph: nodes, initializers, inputs and outputs, with
 * fresh names and de-duplicated small constants.
 */
export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly constants = new Map<string, string>();
  private readonly names = new Set<string>();
  private readonly produced = new Set<string>();
  readonly externalWeights: ExternalWeight[] = [];
  private counter = 0;
  private usesMicrosoftDomain = false;

  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.names.has(name));
    this.names.add(name);
    return name;
  }

  /** Adds a node and returns the names of its outputs. */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    outputCount = 1,
    domain = '',
  ): string[] {
    const outputs = Array.from({ length: outputCount }, () => this.fresh(opType.toLowerCase()));
    for (const o of outputs) this.produced.add(o);
    if (domain === 'com.microsoft') this.usesMicrosoftDomain = true;
    this.nodes.push({
      opType,
      domain,
      input: [...inputs],
      output: outputs,
      name: outputs[0],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  /** A single-output node. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}): string {
    return this.node(opType, inputs, attrs)[0];
  }

  /** An initializer holding `t` (small constants are shared by value). */
  constant(t: Tensor, prefix = 'const'): string {
    const small = numel(t.shape) <= 64;
    const key = small
      ? `${t.dtype}|${t.shape.join(',')}|${Array.from(t.data as ArrayLike<number | bigint>, String).join(',')}`
      : '';
    if (small && this.constants.has(key)) return this.constants.get(key)!;
    const name = this.fresh(prefix);
    this.initializers.push(tensorProto(name, t));
    if (small) this.constants.set(key, name);
    return name;
  }

  /** A 1-D int64 constant (shapes, axes, pads). */
  i64(values: readonly number[]): string {
    return this.constant({
      kind: 'tensor',
      dtype: 'int64',
      shape: [values.length],
      data: BigInt64Array.from(values.map((v) => BigInt(v))),
    });
  }

  /** A 0-d constant of `dtype` holding `value` (converted as a kernel would store it). */
  scalar(dtype: DType, value: number): string {
    const t = castTensor({ kind: 'tensor', dtype: 'float64', shape: [], data: new Float64Array([value]) }, dtype);
    return this.constant(t);
  }

  /** An initializer whose bytes stay outside the model, given to the session as in-memory external data. */
  externalInitializer(name: string, dtype: DType, shape: readonly number[], data: Uint8Array): string {
    this.names.add(name);
    const path = `${name}.bin`;
    this.externalWeights.push({ path, data });
    this.initializers.push({
      name,
      dataType: onnxType(dtype),
      dims: [...shape],
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: path },
        { key: 'offset', value: '0' },
        { key: 'length', value: String(data.byteLength) },
      ],
    });
    return name;
  }

  /** An initializer with its bytes copied into the model. */
  initializer(name: string, t: Tensor): string {
    this.names.add(name);
    this.initializers.push(tensorProto(name, t));
    return name;
  }

  addInput(name: string, dtype: DType, shape: readonly (number | string)[]): string {
    this.names.add(name);
    this.inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /**
   * Marks `name` as a graph output and returns the output's name: graph
   * inputs and initializers go through an Identity, since a graph output
   * must be produced by a node.
   */
  addOutput(name: string, dtype: DType, shape: readonly (number | string)[]): string {
    const out =
      this.produced.has(name) && !this.outputs.some((o) => o.name === name) ? name : this.op('Identity', [name]);
    this.outputs.push(valueInfo(out, dtype, shape));
    return out;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  get outputCount(): number {
    return this.outputs.length;
  }

  toModel(graphName: string): Uint8Array {
    const opsetImport: onnx.IOperatorSetIdProto[] = [{ domain: '', version: OPSET }];
    if (this.usesMicrosoftDomain) opsetImport.push({ domain: 'com.microsoft', version: 1 });
    const model: onnx.IModelProto = {
      irVersion: IR_VERSION,
      producerName: 'pte-explorer',
      opsetImport,
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return onnx.ModelProto.encode(model).finish();
  }
}
