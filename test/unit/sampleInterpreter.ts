import { promises as fs } from 'node:fs';
import { MemorySource } from '../../runtime/format/byteSource';
import { decodeDelegatePayloads } from '../../runtime/format/delegatePayloads';
import { decodePtd, readEntryBytes } from '../../runtime/format/ptd/decodePtd';
import { DataFile } from '../../runtime/format/ptd/ptdTypes';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { Method, TensorValue } from '../../runtime/format/pte/pteTypes';
import { XnnpackGraph } from '../../runtime/format/xnnpack/xnnpackTypes';
import { GoldenTensor } from '../../runtime/samples/expected';

/**
 * A deliberately plain interpreter for the sample programs, written for the
 * tests only: it runs each instruction the way the portable kernels define
 * it, keeps every planned tensor at its planned place in one arena (so a bad
 * memory plan corrupts results), reads external tensors from the `.ptd`
 * files and XNNPACK FullyConnected weights by named key. Every kernel
 * computes in float64 and stores in the tensor's dtype, as a float32 or
 * bfloat16 runtime would round after each operation.
 */

type Dtype = 'float32' | 'bfloat16' | 'int64';

class Tensor {
  constructor(
    readonly dtype: Dtype,
    readonly sizes: number[],
    readonly view: DataView,
  ) {}

  get length(): number {
    return this.sizes.reduce((a, b) => a * b, 1);
  }

  get(i: number): number {
    if (this.dtype === 'float32') return this.view.getFloat32(4 * i, true);
    if (this.dtype === 'int64') return Number(this.view.getBigInt64(8 * i, true));
    const f = new DataView(new ArrayBuffer(4));
    f.setUint16(0, this.view.getUint16(2 * i, true), false);
    return f.getFloat32(0, false);
  }

  set(i: number, v: number): void {
    if (this.dtype === 'float32') this.view.setFloat32(4 * i, v, true);
    else if (this.dtype === 'int64') this.view.setBigInt64(8 * i, BigInt(v), true);
    else this.view.setUint16(2 * i, bf16Bits(v), true);
  }

  values(): Float64Array {
    return Float64Array.from({ length: this.length }, (_, i) => this.get(i));
  }

  write(values: ArrayLike<number>): void {
    for (let i = 0; i < this.length; i++) this.set(i, values[i]);
  }
}

function bf16Bits(v: number): number {
  const f = new DataView(new ArrayBuffer(4));
  f.setFloat32(0, v, false);
  const bits = f.getUint32(0, false);
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

const DTYPES: Record<number, Dtype> = { 4: 'int64', 6: 'float32', 15: 'bfloat16' };

export async function runProgram(ptePath: string, ptdPaths: string[], inputs: GoldenTensor[]): Promise<GoldenTensor[]> {
  const pteBytes = new Uint8Array(await fs.readFile(ptePath));
  const program = await decodePte(new MemorySource(pteBytes, ptePath));
  const dataFiles = await Promise.all(
    ptdPaths.map(async (p) => decodePtd(new MemorySource(new Uint8Array(await fs.readFile(p)), p))),
  );
  const method = program.methods[0];
  const named = async (key: string): Promise<Uint8Array> => {
    for (const f of dataFiles) {
      const entry = f.entries.find((e) => e.key === key);
      if (entry) return readEntryBytes(f, entry);
    }
    const own = program.namedData.find((n) => n.key === key);
    if (own?.data) return pteBytes.subarray(own.data.offset, own.data.offset + own.data.length);
    throw new Error(`no data for key ${key}`);
  };
  const tensors = await materialize(method, pteBytes, dataFiles);
  method.inputs.forEach((id, i) => tensors.get(id)!.write(inputs[i].values));
  const graphs = new Map(
    (await decodeDelegatePayloads(program)).flatMap((p) =>
      p.status === 'xnnpack' ? [[p.delegateIndex, p.graph] as const] : [],
    ),
  );
  for (const ins of method.chains[0].instructions) {
    if (ins.kind === 'kernel') kernel(method, tensors, method.operators[ins.opIndex].qualifiedName, ins.args);
    else if (ins.kind === 'delegate')
      await fullyConnected(
        graphs.get(ins.delegateIndex)!,
        ins.args.map((a) => tensors.get(a)!),
        named,
      );
    else throw new Error(`unexpected ${ins.kind} instruction`);
  }
  return method.outputs.map((id) => {
    const t = tensors.get(id)!;
    return { dtype: t.dtype, shape: t.sizes, values: Array.from(t.values()) };
  });
}

async function materialize(method: Method, pteBytes: Uint8Array, dataFiles: DataFile[]): Promise<Map<number, Tensor>> {
  const arena = new ArrayBuffer(method.nonConstBufferSizes[1] ?? 0);
  const out = new Map<number, Tensor>();
  for (const [i, v] of method.values.entries()) {
    if (v.kind !== 'tensor') continue;
    const t: TensorValue = v.tensor;
    const dtype = DTYPES[t.scalarType];
    let bytes: Uint8Array;
    if (t.kind === 'planned') bytes = new Uint8Array(arena, t.allocation!.offset, t.nbytes!);
    else if (t.kind === 'constant') bytes = pteBytes.slice(t.data!.offset, t.data!.offset + t.data!.length);
    else if (t.kind === 'external') {
      const file = dataFiles.find((f) => f.entries.some((e) => e.key === t.fullyQualifiedName));
      if (!file) throw new Error(`no data file holds ${t.fullyQualifiedName}`);
      bytes = (
        await readEntryBytes(
          file,
          file.entries.find((e) => e.key === t.fullyQualifiedName)!,
        )
      ).slice();
    } else throw new Error(`value ${i}: unexpected ${t.kind} tensor`);
    out.set(i, new Tensor(dtype, t.sizes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  }
  return out;
}

async function fullyConnected(
  graph: XnnpackGraph,
  args: Tensor[],
  named: (key: string) => Promise<Uint8Array>,
): Promise<void> {
  if (graph.nodes.length !== 1 || graph.nodes[0].kind !== 'FullyConnected')
    throw new Error('only single FullyConnected delegates are supported');
  const node = graph.nodes[0];
  const byId = new Map(graph.values.map((v) => [v.idOut, v]));
  const operand = async (role: string): Promise<Float64Array | null> => {
    const at = node.inputRoles.indexOf(role);
    if (at < 0) return null;
    const v = byId.get(node.inputs[at])!;
    if (v.externalId !== null) return args[v.externalId].values();
    const bytes = await named(graph.constants[v.constantIndex].namedKey!);
    return new Tensor('float32', v.dims, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)).values();
  };
  const x = (await operand('input1_id'))!;
  const w = (await operand('filter_id'))!;
  const bias = await operand('bias_id');
  const output = args[byId.get(node.outputs[0])!.externalId!];
  const outFeatures = output.sizes[output.sizes.length - 1];
  const inFeatures = w.length / outFeatures;
  const rows = x.length / inFeatures;
  const y = new Float64Array(rows * outFeatures);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < outFeatures; o++) {
      let acc = bias ? bias[o] : 0;
      for (let i = 0; i < inFeatures; i++) acc += x[r * inFeatures + i] * w[o * inFeatures + i];
      y[r * outFeatures + o] = acc;
    }
  output.write(y);
}

function kernel(method: Method, tensors: Map<number, Tensor>, op: string, args: number[]): void {
  const t = (i: number) => tensors.get(args[i])!;
  const scalar = (i: number): number => {
    const v = method.values[args[i]];
    if (v.kind === 'int') return Number(v.value);
    if (v.kind === 'double') return v.value;
    if (v.kind === 'bool') return v.value ? 1 : 0;
    throw new Error(`${op}: argument ${i} is ${v.kind}`);
  };
  const ints = (i: number): number[] => {
    const v = method.values[args[i]];
    if (v.kind !== 'intList') throw new Error(`${op}: argument ${i} is ${v.kind}`);
    return v.resolved.map((r) => Number(r));
  };
  const out = tensors.get(args[args.length - 1])!;
  if (args[args.length - 1] !== args[args.length - 2]) throw new Error(`${op}: the returned value is not out`);
  const norm = (d: number, rank: number) => (d < 0 ? d + rank : d);
  const unary = (f: (x: number) => number) => out.write(t(0).values().map(f));
  const binary = (a: Tensor, b: Tensor | number, f: (x: number, y: number) => number) => {
    const av = a.values();
    if (typeof b === 'number') return out.write(av.map((x) => f(x, b)));
    const bv = b.values();
    const index = broadcastIndex(out.sizes);
    out.write(Float64Array.from({ length: out.length }, (_, i) => f(av[index(i, a.sizes)], bv[index(i, b.sizes)])));
  };
  switch (op) {
    case 'aten::view_copy.out':
      return out.write(t(0).values());
    case 'aten::permute_copy.out':
      return out.write(permute(t(0), ints(1)));
    case 'aten::mm.out':
      return out.write(matmul(t(0).values(), t(1).values(), t(0).sizes[0], t(0).sizes[1], t(1).sizes[1], 1));
    case 'aten::bmm.out':
      return out.write(
        matmul(t(0).values(), t(1).values(), t(0).sizes[1], t(0).sizes[2], t(1).sizes[2], t(0).sizes[0]),
      );
    case 'aten::addmm.out': {
      const [n, k] = t(1).sizes;
      const m = t(2).sizes[1];
      const product = matmul(t(1).values(), t(2).values(), n, k, m, 1);
      const bias = t(0).values();
      return out.write(product.map((p, i) => scalar(4) * p + scalar(3) * bias[i % m]));
    }
    case 'aten::add.out':
      return binary(t(0), t(1), (x, y) => x + scalar(2) * y);
    case 'aten::add.Scalar_out':
      return binary(t(0), scalar(1), (x, y) => x + scalar(2) * y);
    case 'aten::mul.out':
      return binary(t(0), t(1), (x, y) => x * y);
    case 'aten::mul.Scalar_out':
      return binary(t(0), scalar(1), (x, y) => x * y);
    case 'aten::rsqrt.out':
      return unary((x) => 1 / Math.sqrt(x));
    case 'aten::neg.out':
      return unary((x) => -x);
    case 'aten::sigmoid.out':
      return unary((x) => 1 / (1 + Math.exp(-x)));
    case 'dim_order_ops::_to_dim_order_copy.out':
      return out.write(t(0).values());
    case 'aten::mean.out': {
      const dims = ints(1);
      if (dims.length !== 1) throw new Error('mean over one dim only');
      return out.write(
        alongDim(t(0), norm(dims[0], t(0).sizes.length), (xs) => [xs.reduce((a, b) => a + b, 0) / xs.length]),
      );
    }
    case 'aten::_softmax.out':
      return out.write(
        alongDim(t(0), norm(scalar(1), t(0).sizes.length), (xs) => {
          const max = Math.max(...xs);
          const e = xs.map((x) => Math.exp(x - max));
          const sum = e.reduce((a, b) => a + b, 0);
          return e.map((x) => x / sum);
        }),
      );
    case 'aten::slice_copy.Tensor_out': {
      const x = t(0);
      const d = norm(scalar(1), x.sizes.length);
      const [start, end, step] = [scalar(2), Math.min(scalar(3), x.sizes[d]), scalar(4)];
      return out.write(alongDim(x, d, (xs) => xs.filter((_, i) => i >= start && i < end && (i - start) % step === 0)));
    }
    case 'aten::cat.out': {
      const list = method.values[args[0]];
      if (list.kind !== 'tensorList') throw new Error('cat takes a tensor list');
      const parts = list.items.map((id) => tensors.get(id)!);
      const d = norm(scalar(1), out.sizes.length);
      const outer = out.sizes.slice(0, d).reduce((a, b) => a * b, 1);
      const values: number[] = [];
      const partValues = parts.map((p) => p.values());
      for (let o = 0; o < outer; o++) {
        parts.forEach((p, k) => {
          const block = p.sizes.slice(d).reduce((a, b) => a * b, 1);
          values.push(...partValues[k].subarray(o * block, (o + 1) * block));
        });
      }
      return out.write(values);
    }
    case 'aten::embedding.out': {
      const [weight, indices] = [t(0), t(1)];
      const width = weight.sizes[1];
      const w = weight.values();
      const ids = indices.values();
      return out.write(
        Float64Array.from({ length: out.length }, (_, i) => w[ids[Math.floor(i / width)] * width + (i % width)]),
      );
    }
    default:
      throw new Error(`no kernel for ${op}`);
  }
}

/** Maps a flat index of the broadcast output to the flat index of an operand of shape `sizes`. */
function broadcastIndex(outSizes: number[]): (i: number, sizes: number[]) => number {
  return (i, sizes) => {
    let index = 0;
    let stride = 1;
    let rest = i;
    for (let d = outSizes.length - 1; d >= 0; d--) {
      const coordinate = rest % outSizes[d];
      rest = Math.floor(rest / outSizes[d]);
      const operandDim = d - (outSizes.length - sizes.length);
      if (operandDim < 0) continue;
      if (sizes[operandDim] !== 1) index += coordinate * stride;
      stride *= sizes[operandDim];
    }
    return index;
  };
}

function permute(x: Tensor, dims: number[]): Float64Array {
  const v = x.values();
  const strides = x.sizes.map((_, d) => x.sizes.slice(d + 1).reduce((a, b) => a * b, 1));
  const outSizes = dims.map((d) => x.sizes[d]);
  return Float64Array.from({ length: v.length }, (_, i) => {
    let rest = i;
    let src = 0;
    for (let k = outSizes.length - 1; k >= 0; k--) {
      src += (rest % outSizes[k]) * strides[dims[k]];
      rest = Math.floor(rest / outSizes[k]);
    }
    return v[src];
  });
}

function matmul(a: Float64Array, b: Float64Array, n: number, k: number, m: number, batch: number): Float64Array {
  const y = new Float64Array(batch * n * m);
  for (let z = 0; z < batch; z++)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a[z * n * k + i * k + p] * b[z * k * m + p * m + j];
        y[z * n * m + i * m + j] = acc;
      }
  return y;
}

/** Applies `f` to every line of `x` along dimension `d` and lays the results out in order. */
function alongDim(x: Tensor, d: number, f: (xs: number[]) => number[]): number[] {
  const v = x.values();
  const outer = x.sizes.slice(0, d).reduce((a, b) => a * b, 1);
  const n = x.sizes[d];
  const inner = x.sizes.slice(d + 1).reduce((a, b) => a * b, 1);
  const results: number[][] = [];
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      results.push(f(Array.from({ length: n }, (_, j) => v[(o * n + j) * inner + i])));
    }
  const m = results[0]?.length ?? 0;
  const out = new Array<number>(outer * m * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++)
      for (let j = 0; j < m; j++) out[(o * m + j) * inner + i] = results[o * inner + i][j];
  return out;
}
