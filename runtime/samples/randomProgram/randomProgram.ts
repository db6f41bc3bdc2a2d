import { XNNPACK_BACKEND } from '../../format/delegatePayloads';
import { PtdEntryInput, PteWriteInput } from '../../format/writer/types';
import { namedKeyFor, writeXnnpackPayload, XnnConstantInput, XnnValueInput } from '../../format/writer/writeXnnpack';
import { XnnNodeInput } from '../../format/writer/xnnpackNodes';
import { DType, fromNumbers, numel, tensorBytes } from '../../exec/tensor';
import { RunValue } from '../../exec/values';
import { MethodBuilder } from '../graph/methodBuilder';
import { ProgramParts } from '../graph/programParts';
import { encodedInputSpec, encodedOutputSpec } from '../graph/treeSpec';
import { dtypeCode, GenContext, Node } from './genContext';
import { availableTemplates, family, OpTemplate, reshapeOf } from './opCatalog';

/** One generated program, ready to write and run. */
export interface RandomProgram {
  seed: number;
  /** What the program exercises: its dtype, `view-alias`, `mutable-buffer`, `kv-index_put`, `kv-cat`, `xnnpack`, `ptd`. */
  features: string[];
  pte: PteWriteInput;
  /** Entries of the program's `.ptd` (EXTERNAL tensors and XNNPACK named data), or null if it needs none. */
  ptd: PtdEntryInput[] | null;
  /** Inputs of each call, in order: programs with mutable buffers are called several times, their state carried over. */
  calls: RunValue[][];
  /** Kernels the program calls. */
  operators: string[];
}

const PROGRAM_DTYPES: readonly [DType, number][] = [
  ['float32', 0.6], ['float16', 0.1], ['bfloat16', 0.1], ['int32', 0.08], ['int64', 0.07], ['bool', 0.05],
];

/** Largest tensor an operator is applied to, so chains stay small and fast. */
const MAX_OPERAND = 1024;

/**
 * A random but valid ExecuTorch program from `seed`, as the exporter would
 * emit it: one method, 1–2 memory-planned inputs of a random dtype and shape,
 * a chain of 2–7 portable kernels (only those in `portable`, the operator
 * names of `kernels/portable/functions.yaml`), weights in the constant segment
 * or in a `.ptd`, and, by chance, static views aliased through the memory plan,
 * mutable buffers (an accumulator, a KV cache written by `index_put_` or by
 * `cat` + `copy_`) and an XNNPACK partition. The same seed gives the same
 * program and inputs. `exposeAll` makes every value an instruction writes an
 * output (to find the first operator engines disagree on).
 */
export function generateRandomProgram(seed: number, portable: ReadonlySet<string>, options: { exposeAll?: boolean } = {}): RandomProgram {
  const parts = new ProgramParts();
  const b = new MethodBuilder('forward', parts);
  const g = new GenContext(seed, b, portable);
  const templates = availableTemplates(portable);
  const features: string[] = [];
  const dtype = pickWeighted(g, PROGRAM_DTYPES);
  features.push(dtype);

  const inputs: { node: Node; make: (call: number) => RunValue }[] = [];
  const addInput = (dt: DType, shape: number[], make?: (call: number) => RunValue): Node => {
    const node = g.node(b.input(dtypeCode(dt), shape), dt, shape, true, false);
    inputs.push({ node, make: make ?? (() => fromNumbers(dt, shape, g.values(dt, numel(shape)))) });
    return node;
  };
  const first = addInput(dtype, randomShape(g));
  if (g.chance(0.4)) addInput(dtype, g.chance(0.5) ? first.shape : first.shape.map((d) => (g.chance(0.4) ? 1 : d)));

  const withAlias = g.chance(0.4);
  let aliasDone = false;
  let last = first;
  const steps = g.int(2, 7);
  for (let step = 0; step < steps; step++) {
    let x = g.chance(0.6) ? last : g.pick(g.nodes.filter(operand));
    if (!operand(x)) x = g.pick(g.nodes.filter(operand));
    if (withAlias && !aliasDone && step >= steps / 2) {
      x = staticView(g, x);
      aliasDone = true;
    }
    last = applyRandom(g, templates, x);
  }
  if (withAlias && !aliasDone) last = applyRandom(g, templates, staticView(g, last));
  if (aliasDone || withAlias) features.push('view-alias');

  let calls = 1;
  const floatDtype: DType = family(dtype) === 'float' ? dtype : 'float32';
  if (g.has('aten::copy_') && g.chance(0.3)) {
    calls = 3;
    const kind = g.pick(['accumulate', 'kv-index_put', 'kv-cat'] as const);
    if (kind === 'accumulate' && g.has('aten::add.out') && family(last.dtype) !== 'bool') {
      features.push('mutable-buffer');
      const buf = g.node(b.tensor(dtypeCode(last.dtype), last.shape, { kind: 'mutable', bytes: bytesOf(last.dtype, last.shape, g.values(last.dtype, numel(last.shape))) }), last.dtype, last.shape, true, false);
      const sum = g.call('aten::add.out', [buf.id, last.id, b.int(1)], last.dtype, last.shape, false);
      g.kernel('aten::copy_', [buf.id, sum.id, b.bool(false), buf.id]);
      last = sum;
    } else if (kind === 'kv-index_put' && g.has('aten::index_put_')) {
      features.push('kv-index_put');
      last = kvIndexPut(g, floatDtype, addInput);
    } else if (kind === 'kv-cat' && g.has('aten::cat.out') && g.has('aten::slice_copy.Tensor_out')) {
      features.push('kv-cat');
      last = kvCat(g, floatDtype, addInput);
    } else {
      calls = 1;
    }
  }

  if (g.chance(0.25)) {
    const candidates = g.nodes.filter((n) => n.dtype === 'float32' && n.shape.length >= 1 && numel(n.shape) <= MAX_OPERAND && n.viewOf === undefined && (n.written || inputs.some((i) => i.node === n)));
    if (candidates.length > 0) {
      features.push('xnnpack');
      last = xnnpackPartition(g, candidates.includes(last) ? last : g.pick(candidates), candidates, parts);
    }
  }

  // Outputs: the last value and perhaps another one; never a view, an input or a stored tensor (the exporter copies those).
  let outputs = [last];
  const others = g.nodes.filter((n) => n.written && n.viewOf === undefined && n !== last);
  if (others.length > 0 && g.chance(0.4)) outputs.push(g.pick(others));
  // To find the first operator engines disagree on: every value an instruction wrote is an output (same program otherwise).
  if (options.exposeAll) outputs = g.nodes.filter((n) => n.written && n.viewOf === undefined);
  for (const o of outputs) {
    const out = o.written && o.viewOf === undefined ? o : g.call('aten::clone.out', [o.id, b.none()], o.dtype, o.shape, o.exact);
    b.output(out.id);
  }
  if (g.ptdEntries.length > 0) features.push('ptd');

  const method = b.build(encodedInputSpec(inputs.length), encodedOutputSpec(outputs.length));
  const callInputs = Array.from({ length: calls }, (_, c) => inputs.map((i) => i.make(c)));
  return {
    seed,
    features,
    pte: { methods: [method], constants: parts.constants, delegateBlobs: parts.delegateBlobs, namedData: parts.namedData, mutableData: parts.mutableData },
    ptd: g.ptdEntries.length > 0 ? g.ptdEntries : null,
    calls: callInputs,
    operators: [...g.used].sort(),
  };
}

function operand(n: Node): boolean {
  return numel(n.shape) <= MAX_OPERAND && n.shape.length >= 1;
}

function pickWeighted<T>(g: GenContext, items: readonly [T, number][]): T {
  let r = g.rand();
  for (const [item, w] of items) {
    if (r < w) return item;
    r -= w;
  }
  return items[items.length - 1][0];
}

function randomShape(g: GenContext): number[] {
  const rank = g.int(1, 4);
  const shape = Array.from({ length: rank }, () => g.int(1, rank <= 2 ? 8 : 4));
  return shape;
}

function bytesOf(dtype: DType, shape: readonly number[], values: Float64Array): Uint8Array {
  return tensorBytes(fromNumbers(dtype, shape, values)).slice();
}

function applyRandom(g: GenContext, templates: readonly OpTemplate[], x: Node): Node {
  const fits = templates.filter((t) => t.accepts(x));
  if (fits.length === 0) return g.call('aten::clone.out', [x.id, g.b.none()], x.dtype, x.shape, x.exact);
  return g.pick(fits).emit(g, x);
}

/**
 * A static view of `x` as the exporter leaves it after eliding `view_copy`:
 * a new tensor value with another shape and the same planned storage, which
 * no instruction writes. Views of stored tensors and of views are not made
 * (the exporter views the base instead); for those, `x` is copied first.
 */
function staticView(g: GenContext, x: Node): Node {
  let base = x;
  if (!base.written || base.viewOf !== undefined) base = g.call('aten::clone.out', [x.id, g.b.none()], x.dtype, x.shape, x.exact);
  const shape = reshapeOf(g, numel(base.shape));
  const id = g.b.alias(base.id, shape);
  const view = g.node(id, base.dtype, shape, base.exact, false);
  view.viewOf = base.id;
  return view;
}

type AddInput = (dt: DType, shape: number[], make?: (call: number) => RunValue) => Node;

/**
 * A KV cache as llama exports without custom ops write it:
 * `k_cache[:, :, input_pos] = k` becomes `index_put_(cache, [None, None, pos], k)`
 * on a mutable buffer `[1, heads, seq, dim]` (or `index_put.out` then `copy_`
 * back into the buffer when the in-place form was not restored), then the
 * cache is read.
 */
function kvIndexPut(g: GenContext, dtype: DType, addInput: AddInput): Node {
  const [heads, seq, dim] = [g.int(1, 2), g.int(3, 6), g.int(1, 4)];
  const shape = [1, heads, seq, dim];
  const cache = g.node(g.b.tensor(dtypeCode(dtype), shape, { kind: 'mutable', bytes: bytesOf(dtype, shape, new Float64Array(numel(shape))) }), dtype, shape, true, false);
  const order = Array.from({ length: 3 }, () => g.int(0, seq - 1));
  const pos = addInput('int64', [1], (call) => fromNumbers('int64', [1], [order[call % order.length]]));
  const k = addInput(dtype, [1, heads, 1, dim]);
  const kScaled = g.call('aten::mul.Scalar_out', [k.id, g.b.double(0.5)], dtype, k.shape, false);
  const indices = g.b.optionalTensorList([null, null, pos.id]);
  if (g.has('aten::index_put.out') && g.chance(0.3)) {
    const updated = g.call('aten::index_put.out', [cache.id, indices, kScaled.id, g.b.bool(false)], dtype, shape, false);
    g.kernel('aten::copy_', [cache.id, updated.id, g.b.bool(false), cache.id]);
    return updated;
  }
  g.kernel('aten::index_put_', [cache.id, indices, kScaled.id, g.b.bool(false), cache.id]);
  return g.call('aten::sum.IntList_out', [cache.id, g.ints([3]), g.b.bool(false), g.b.none()], dtype, [1, heads, seq], false);
}

/** A sliding KV cache: `cache = cat([cache[:, 1:], k], 1)` written back with `copy_`. */
function kvCat(g: GenContext, dtype: DType, addInput: AddInput): Node {
  const [seq, dim] = [g.int(2, 6), g.int(1, 4)];
  const shape = [1, seq, dim];
  const cache = g.node(g.b.tensor(dtypeCode(dtype), shape, { kind: 'mutable', bytes: bytesOf(dtype, shape, g.values(dtype, numel(shape))) }), dtype, shape, true, false);
  const k = addInput(dtype, [1, 1, dim]);
  const kept = g.call('aten::slice_copy.Tensor_out', [cache.id, g.b.int(1), g.b.int(1), g.b.int(seq), g.b.int(1)], dtype, [1, seq - 1, dim], true);
  const next = g.call('aten::cat.out', [g.b.tensorList([kept.id, k.id]), g.b.int(1)], dtype, shape, true);
  g.kernel('aten::copy_', [cache.id, next.id, g.b.bool(false), cache.id]);
  return next;
}

const FLAG_EXTERNAL_INPUT = 1;
const FLAG_EXTERNAL_OUTPUT = 2;

/**
 * One XNNPACK partition on `x` (float32): a chain of 1–3 nodes from
 * FullyConnected or, on NCHW activations, Conv2d between two StaticTransposes
 * (weights in the payload, the program's named data or the `.ptd`), elementwise Add/Multiply/Subtract/Maximum/Minimum with another
 * value of the method or a payload constant, Clamp, Abs, Negate, Square.
 */
function xnnpackPartition(g: GenContext, x: Node, candidates: readonly Node[], parts: ProgramParts): Node {
  const values: XnnValueInput[] = [];
  const constants: XnnConstantInput[] = [{ source: 'none' }];
  const nodes: XnnNodeInput[] = [];
  const externalInputs: Node[] = [x];
  const value = (dims: number[], externalId: number | null, flags: number, constantIndex = 0): number => {
    values.push({ idOut: values.length, datatype: 'fp32', dims: [...dims], externalId, flags, constantIndex, quantization: null });
    return values.length - 1;
  };
  // Weights XNNPACK packs at load (FullyConnected, Conv2d) may sit in the payload, as older exporters left them;
  // operands XNNPACK reads at run time (elementwise) are named data, as exporters write them: ExecuTorch frees the
  // payload after init, so an elementwise operand there is read after free (random program 164, heap-dependent garbage).
  const constant = (dims: number[], packed = true): number => {
    const bytes = bytesOf('float32', dims, g.values('float32', numel(dims)));
    const where = g.pick(['payload', 'named', 'ptd'] as const);
    if (where === 'payload' && packed) {
      constants.push({ source: 'payload', bytes });
    } else {
      const key = namedKeyFor(bytes);
      if (where === 'named') parts.addNamedData(key, bytes);
      else if (!g.ptdEntries.some((e) => e.key === key)) g.ptdEntries.push({ key, layout: null, size: bytes.length, bytes });
      constants.push({ source: 'namedKey', namedKey: key, size: bytes.length });
    }
    return value(dims, null, 0, constants.length - 1);
  };

  let current = value(x.shape, 0, FLAG_EXTERNAL_INPUT);
  let shape = [...x.shape];
  const partner = candidates.find((n) => n !== x && n.shape.join() === x.shape.join());
  let partnerId: number | null = null;
  const count = g.int(1, 3);
  for (let i = 0; i < count; i++) {
    const kind = shape.length === 4 && shape[2] >= 2 && shape[3] >= 2 && g.chance(0.5) ? 'Conv2d' : g.pick(['FullyConnected', 'Binary', 'Binary', 'Clamp', 'Unary'] as const);
    if (kind === 'Conv2d') {
      // NCHW in and out, NHWC inside, as the XNNPACK partitioner lowers aten.convolution.
      const [n, c, h, w] = shape;
      const nhwc = value([n, h, w, c], null, 0);
      nodes.push({ kind: 'StaticTranspose', inputs: [current], outputs: [nhwc], params: { perm: [0, 2, 3, 1] }, flags: 0 });
      const cout = g.int(1, 4);
      const [kh, kw] = [g.int(1, Math.min(3, h)), g.int(1, Math.min(3, w))];
      const [sh, sw] = [g.int(1, 2), g.int(1, 2)];
      const [ph, pw] = [g.int(0, Math.floor(kh / 2)), g.int(0, Math.floor(kw / 2))];
      const filter = constant([cout, kh, kw, c]);
      const bias = constant([cout]);
      const [oh, ow] = [Math.floor((h + 2 * ph - kh) / sh) + 1, Math.floor((w + 2 * pw - kw) / sw) + 1];
      const conv = value([n, oh, ow, cout], null, 0);
      nodes.push({
        kind: 'Conv2d', inputs: [nhwc, filter, bias], outputs: [conv], flags: 0,
        params: {
          padding_top: ph, padding_right: pw, padding_bottom: ph, padding_left: pw, kernel_height: kh, kernel_width: kw,
          subsampling_height: sh, subsampling_width: sw, dilation_height: 1, dilation_width: 1,
          group_input_channels: c, group_output_channels: cout, groups: 1, adjustment_height: 0, adjustment_width: 0,
        },
      });
      shape = [n, cout, oh, ow];
      const y = value(shape, null, 0);
      nodes.push({ kind: 'StaticTranspose', inputs: [conv], outputs: [y], params: { perm: [0, 3, 1, 2] }, flags: 0 });
      current = y;
    } else if (kind === 'FullyConnected') {
      const out = g.int(1, 6);
      const filter = constant([out, shape[shape.length - 1]]);
      const bias = g.chance(0.5) ? constant([out]) : null;
      shape = [...shape.slice(0, -1), out];
      const y = value(shape, null, 0);
      nodes.push({ kind: 'FullyConnected', inputs: bias === null ? [current, filter] : [current, filter, bias], inputRoles: bias === null ? ['input1_id', 'filter_id'] : ['input1_id', 'filter_id', 'bias_id'], outputs: [y], params: {}, flags: 0 });
      current = y;
    } else if (kind === 'Binary') {
      let other: number;
      if (partner && partnerId === null && shape.join() === x.shape.join() && g.chance(0.6)) {
        partnerId = value(partner.shape, 1, FLAG_EXTERNAL_INPUT);
        externalInputs.push(partner);
        other = partnerId;
      } else {
        other = constant(shape.map((d) => (g.chance(0.3) ? 1 : d)), false);
      }
      const y = value(shape, null, 0);
      const op = g.pick(['Add', 'Multiply', 'Subtract', 'Maximum', 'Minimum']);
      nodes.push({ kind: op, inputs: g.chance(0.5) ? [current, other] : [other, current], outputs: [y], params: {}, flags: 0 });
      current = y;
    } else if (kind === 'Clamp') {
      const y = value(shape, null, 0);
      nodes.push({ kind: 'Clamp', inputs: [current], outputs: [y], params: {}, flags: 0, outputMinMax: { min: -0.5, max: 0.75 } });
      current = y;
    } else {
      const y = value(shape, null, 0);
      nodes.push({ kind: g.pick(['Abs', 'Negate', 'Square']), inputs: [current], outputs: [y], params: {}, flags: 0 });
      current = y;
    }
  }
  // The graph output is the last external id, after the inputs.
  const outputExternal = externalInputs.length;
  values[current] = { ...values[current], externalId: outputExternal, flags: FLAG_EXTERNAL_OUTPUT };
  const payload = writeXnnpackPayload({ nodes, values, constants });
  const out = g.planned('float32', shape, false);
  g.b.delegateCall(XNNPACK_BACKEND, payload, externalInputs.map((n) => n.id), [out.id]);
  return out;
}
