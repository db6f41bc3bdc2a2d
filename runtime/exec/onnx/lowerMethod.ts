import { XNNPACK_BACKEND } from '../../format/delegatePayloads';
import { formatInstruction } from '../../format/pte/describe';
import { Instruction, Method } from '../../format/pte/pteTypes';
import { ExecutionError, ProgramLocation } from '../errors';
import { CallArgs, initialScalar, Slot } from '../schema/callArgs';
import { operatorSchema } from '../schema/operatorSchemas';
import { ShapeError } from '../shapes';
import { PlannedStorage, plannedStorage } from '../method/plannedMemory';
import {
  castTensor,
  DType,
  elementSize,
  getNumber,
  isDType,
  numel,
  Tensor,
  tensorBytes,
  tensorFromBytes,
} from '../tensor';
import { ArenaContents, Segment } from './arenaContents';
import { RunValue } from '../values';
import { ExternalWeight, GraphBuilder } from './graphBuilder';
import { LowerContext } from './lowerContext';
import { LoweringError, NeedsValue } from './lowering';
import { onnxLowering } from './registry';
import { sym, SymTensor } from './symTensor';
import { placeWeight, WeightFeed, WeightPlacement } from './weights';
import { lowerXnnpackCall, XnnpackLoweringData } from './xnnpack/lowerXnnpack';

/** Everything the lowering of one method call reads: the program's values, this call's inputs and state. */
export interface LoweringInput {
  method: Method;
  /** Stored tensors (constants, external weights, initial values) by value index. */
  stored: Map<number, Tensor>;
  /** XNNPACK delegates by delegate index. */
  xnnpack: Map<number, XnnpackLoweringData>;
  /** This call's inputs by value index: their shapes and scalar values specialize the graph. */
  inputs: Map<number, Slot<Tensor>>;
  /**
   * The current value of a planned tensor read before it is written (a
   * mutable buffer carried across calls); asked for only for such tensors.
   */
  state: (valueIndex: number) => Tensor | undefined;
  weights: WeightPlacement;
  /** Step mode: every tensor an instruction writes is also a graph output. */
  exposeAll: boolean;
  /** Run-time values of graph tensors (by ONNX name) computed by earlier probes: see `LoweredMethod.probe`. */
  resolved?: ReadonlyMap<string, Tensor>;
}

/** Where a value comes from after a run: a graph output, or known at lowering time. */
export type ValueBinding = { kind: 'graph'; name: string; dtype: DType } | { kind: 'static'; value: RunValue };

export interface GraphFeed {
  name: string;
  /** `input` and `state` are bound from the call; `weight` from stored bytes. */
  kind: 'input' | 'state' | 'weight';
  valueIndex: number;
  tensor?: Tensor;
}

export interface LoweredMethod {
  /** The ONNX model, or null when nothing needs computing (constant methods). */
  model: Uint8Array | null;
  externalData: ExternalWeight[];
  feeds: GraphFeed[];
  /** Per method output (lists flattened into `items`). */
  outputs: (ValueBinding | { kind: 'list'; items: ValueBinding[] })[];
  /** Mutable buffers the call updated: their new values come back as graph outputs. */
  stateOutputs: { valueIndex: number; binding: ValueBinding }[];
  steps: { instruction: number; text: string; writes: { valueIndex: number; binding: ValueBinding }[] }[] | null;
  nodeCount: number;
  /**
   * Set when lowering stopped at a data-dependent shape or jump: `model`
   * then computes only the tensor whose value is needed (graph output
   * `binding`), to be run and passed back in `resolved` under `name`.
   */
  probe?: { name: string; binding: ValueBinding; instruction: number };
}

const MAX_LOWERED_INSTRUCTIONS = 2_000_000;

/**
 * Lowers one method to an ONNX graph for the given inputs, walking its
 * instructions like the runtime does. Shapes and scalars are concrete (the
 * graph is specialized to the inputs' shapes), so prim ops on sizes, jumps
 * on them and dynamic shapes are all resolved here; tensor computations
 * become ONNX nodes.
 */
export function lowerMethod(input: LoweringInput): LoweredMethod {
  const { method } = input;
  const g = new GraphBuilder();
  const c = new LowerContext(g);
  c.resolve = (t, why) => {
    const known = input.resolved?.get(t.name);
    if (known) return known;
    throw new NeedsValue(t, why);
  };
  const slots: (Slot<SymTensor> | undefined)[] = method.values.map(initialScalar);
  const feeds: GraphFeed[] = [];
  const weightFeeds: WeightFeed[] = [];
  const stateRead = new Set<number>();
  const written = new Set<number>();
  // Planned memory as the runtime lays it out: where each value's bytes are, and what was written there.
  const home: (PlannedStorage | null)[] = plannedStorage(method);
  const arenas = new ArenaContents();
  /** Sequence number of the write a planned value's slot holds (its bytes may have been overwritten since). */
  const slotSeq = new Map<number, number>();
  const stateSyms = new Map<number, SymTensor>();
  const recordWrite = (index: number, slot: Slot<SymTensor>) => {
    slotSeq.delete(index);
    const h = home[index];
    if (!h || slot.kind !== 'tensor') return;
    const nbytes = numel(slot.shape) * elementSize(slot.dtype);
    // Larger than its storage (methods assembled in memory only; loaded ones are checked): kept apart.
    if (nbytes > h.capacity) return;
    slotSeq.set(index, arenas.write(h.memoryId, h.start, h.start + nbytes, slot));
  };

  for (const [index, slot] of input.inputs) {
    if (slot.kind !== 'tensor') {
      slots[index] = slot;
      continue;
    }
    // onnxruntime-node has no bfloat16 tensors: such inputs arrive as float32 and are cast inside.
    const feedDtype: DType = slot.dtype === 'bfloat16' ? 'float32' : slot.dtype;
    const name = g.addInput(`input_${index}`, feedDtype, slot.shape);
    feeds.push({ name, kind: 'input', valueIndex: index });
    slots[index] = c.cast(sym(name, feedDtype, slot.shape), slot.dtype);
    // Planned inputs are copied into their storage (Method::set_input).
    recordWrite(index, slots[index]!);
  }

  /** First read of a stored tensor or a planned one: a weight, or a state input. */
  const materialize = (index: number): Slot<SymTensor> | undefined => {
    const stored = input.stored.get(index);
    const v = method.values[index];
    const isPlanned = v?.kind === 'tensor' && v.tensor.allocation !== null;
    if (stored && !isPlanned) {
      const before = weightFeeds.length;
      const t = placeWeight(g, `weight_${index}`, stored, input.weights, weightFeeds);
      for (const f of weightFeeds.slice(before))
        feeds.push({ name: f.name, kind: 'weight', valueIndex: index, tensor: f.tensor });
      return t;
    }
    return stateOf(index);
  };

  /** A graph input holding the value's contents from the previous call (or its initial value); one per value. */
  const stateOf = (index: number): SymTensor | undefined => {
    const known = stateSyms.get(index);
    if (known) return known;
    const state = input.state(index);
    if (!state) return undefined;
    stateRead.add(index);
    const feedDtype: DType = state.dtype === 'bfloat16' ? 'float32' : state.dtype;
    const name = g.addInput(`state_${index}`, feedDtype, state.shape);
    feeds.push({ name, kind: 'state', valueIndex: index });
    const t = c.cast(sym(name, feedDtype, state.shape), state.dtype);
    stateSyms.set(index, t);
    return t;
  };

  /**
   * A planned value as the runtime would read it: the bytes at its place in
   * the arena, whoever wrote them. Its own last write when nothing has
   * overwritten it since; otherwise the writes now covering its bytes,
   * reinterpreted (sliced, concatenated, reshaped) to its dtype and shape,
   * with the contents the call started with (carried state) where nothing
   * wrote in this call.
   */
  const readPlanned = (index: number, h: PlannedStorage): Slot<SymTensor> | undefined => {
    const own = slots[index];
    if (own === undefined && written.has(index)) return undefined; // freed
    if (own !== undefined && own.kind !== 'tensor') return own;
    const seq = slotSeq.get(index);
    const v = method.values[index];
    const declared = v?.kind === 'tensor' ? v.tensor : null;
    let dtype: DType;
    let shape: number[];
    if (own) {
      if (seq === undefined) return own; // kept apart (larger than its storage)
      dtype = own.dtype;
      shape = own.shape;
    } else {
      const state = stateSyms.get(index);
      if (state) ({ dtype, shape } = state);
      else if (declared && isDType(declared.dtype))
        ({ dtype, shape } = { dtype: declared.dtype, shape: declared.sizes });
      else return materialize(index);
    }
    const end = h.start + numel(shape) * elementSize(dtype);
    if (own && seq !== undefined && arenas.query(h.memoryId, h.start, end).every((s) => s.seq <= seq)) return own;
    for (const [a, b] of arenas.gaps(h.memoryId, h.start, end)) {
      const base = stateBase(index, h, a, b);
      if (!base) return own ?? materialize(index);
      arenas.fillGaps(h.memoryId, a, b, base.t, base.start);
    }
    return reinterpret(arenas.query(h.memoryId, h.start, end), h.start, dtype, shape);
  };

  /**
   * What bytes [a, b) held when the call started: the carried state of a
   * mutable buffer they belong to (the value's own, else another planned
   * value's whose bytes contain them), else the value's own state.
   */
  const stateBase = (
    index: number,
    h: PlannedStorage,
    a: number,
    b: number,
  ): { t: SymTensor; start: number } | undefined => {
    const carries = (i: number) => stateSyms.has(i) || (input.stored.has(i) && home[i] !== null);
    if (!carries(index)) {
      for (let i = 0; i < home.length; i++) {
        const o = home[i];
        if (i === index || !o || o.memoryId !== h.memoryId || o.start > a || o.start + o.capacity < b || !carries(i))
          continue;
        const t = stateOf(i);
        if (t && o.start + numel(t.shape) * elementSize(t.dtype) >= b) return { t, start: o.start };
      }
    }
    const t = stateOf(index);
    return t ? { t, start: h.start } : undefined;
  };

  /** A tensor of `dtype`/`shape` made of the bytes the segments hold (their union is [start, start + nbytes)). */
  const reinterpret = (segments: Segment[], start: number, dtype: DType, shape: number[]): SymTensor => {
    const size = elementSize(dtype);
    const first = segments[0];
    if (
      segments.length === 1 &&
      first.srcStart === start &&
      first.src.dtype === dtype &&
      numel(first.src.shape) === numel(shape)
    )
      return c.reshape(first.src, shape);
    const sliceable = segments.every(
      (s) => s.src.dtype === dtype && (s.start - s.srcStart) % size === 0 && (s.end - s.start) % size === 0,
    );
    if (sliceable && !segments.every((s) => s.src.constant)) {
      const parts = segments.map((s) => {
        const flat = c.reshape(s.src, [numel(s.src.shape)]);
        return c.slice(flat, 0, (s.start - s.srcStart) / size, (s.end - s.srcStart) / size);
      });
      return c.reshape(c.concat(parts, 0, [numel(shape)]), shape);
    }
    // Another dtype's bytes (or constants): assembled here from their values.
    const bytes = new Uint8Array(numel(shape) * size);
    for (const s of segments) {
      const value = c.valueOf(s.src, `a planned ${dtype} tensor reads the bytes of a ${s.src.dtype} tensor`);
      const own = tensorBytes(value.dtype === s.src.dtype ? value : castTensor(value, s.src.dtype));
      bytes.set(own.subarray(s.start - s.srcStart, s.end - s.srcStart), s.start - start);
    }
    return c.constant(tensorFromBytes(dtype, shape, bytes));
  };

  const read = (index: number): Slot<SymTensor> | undefined => {
    if (index < 0) return undefined;
    const h = home[index];
    if (h) return readPlanned(index, h);
    if (slots[index] === undefined && !written.has(index)) slots[index] = materialize(index);
    return slots[index];
  };

  const instructions = method.chains.flatMap((ch) => ch.instructions);
  const steps: LoweredMethod['steps'] = input.exposeAll ? [] : null;
  let pc = 0;
  let executed = 0;
  let probe: { needs: NeedsValue; instruction: number } | null = null;
  while (pc < instructions.length) {
    const ins = instructions[pc];
    const where: ProgramLocation = { method: method.name, instruction: pc };
    if (++executed > MAX_LOWERED_INSTRUCTIONS)
      throw new ExecutionError(
        `more than ${MAX_LOWERED_INSTRUCTIONS} instructions while lowering; the program loops`,
        where,
      );
    const writes: { valueIndex: number; slot: Slot<SymTensor> }[] = [];
    const write = (index: number, slot: Slot<SymTensor>) => {
      slots[index] = slot;
      written.add(index);
      recordWrite(index, slot);
      writes.push({ valueIndex: index, slot });
    };
    let next = pc + 1;
    try {
      switch (ins.kind) {
        case 'kernel':
          lowerKernel(method, ins, where, c, read, write);
          break;
        case 'delegate': {
          const delegate = method.delegates[ins.delegateIndex];
          const data = input.xnnpack.get(ins.delegateIndex);
          if (!delegate || delegate.backend !== XNNPACK_BACKEND || !data)
            throw new LoweringError(`backend ${delegate?.backend ?? `#${ins.delegateIndex}`} is not supported`);
          lowerXnnpackCall(c, method, ins.args, data, read, write, input.weights, weightFeeds, feeds);
          break;
        }
        case 'move': {
          const s = read(ins.from);
          if (s === undefined) throw new ExecutionError(`value ${ins.from} is moved before it has a value`, where);
          // The destination becomes the source's value: a planned tensor is shared, not copied.
          slots[ins.to] = s;
          written.add(ins.to);
          home[ins.to] = home[ins.from];
          if (home[ins.to]) slotSeq.set(ins.to, arenas.seq);
          else slotSeq.delete(ins.to);
          writes.push({ valueIndex: ins.to, slot: s });
          break;
        }
        case 'jumpFalse': {
          const s = read(ins.condValueIndex);
          if (s === undefined)
            throw new ExecutionError(`jump condition (value ${ins.condValueIndex}) has no value`, where);
          let value: boolean;
          if (s.kind === 'bool') value = s.value;
          else if (s.kind === 'int') value = s.value !== 0;
          else if (s.kind === 'tensor')
            value = getNumber(c.valueOf(s, `the jump at instruction ${pc} depends on tensor data`), 0) !== 0;
          else throw new LoweringError(`the jump condition at instruction ${pc} is ${s.kind}`);
          if (!value) next = ins.destination;
          if (next < 0 || next > instructions.length)
            throw new ExecutionError(`jump to instruction ${next}, which does not exist`, where);
          break;
        }
        case 'free':
          slots[ins.valueIndex] = undefined;
          break;
        default:
          throw new LoweringError(`unknown instruction (tag ${ins.tag})`);
      }
    } catch (e) {
      if (!(e instanceof NeedsValue)) throw locate(e, where);
      probe = { needs: e, instruction: pc };
      break;
    }
    if (steps)
      steps.push({
        instruction: pc,
        text: formatInstruction(method, ins),
        writes: writes.map((w) => ({ valueIndex: w.valueIndex, binding: bind(g, w.slot, true) })),
      });
    pc = next;
  }

  let outputs: LoweredMethod['outputs'] = [];
  const stateOutputs: LoweredMethod['stateOutputs'] = [];
  if (!probe) {
    try {
      outputs = method.outputs.map((index): LoweredMethod['outputs'][number] => {
        const v = method.values[index];
        if (v?.kind === 'tensorList' || v?.kind === 'optionalTensorList' || v?.kind === 'intList') {
          return {
            kind: 'list',
            items: v.items.map((item) =>
              item < 0
                ? { kind: 'static', value: { kind: 'none' } }
                : bind(g, requireSlot(read(item), item, method), true),
            ),
          };
        }
        return bind(g, requireSlot(read(index), index, method), true);
      });
      // Carried state whose bytes this call wrote (through the value or through values overlapping it).
      for (const i of stateRead) {
        const now = home[i] ? read(i) : written.has(i) ? slots[i] : undefined;
        if (now !== undefined && !(now.kind === 'tensor' && now.name === stateSyms.get(i)?.name))
          stateOutputs.push({ valueIndex: i, binding: bind(g, now, true) });
      }
    } catch (e) {
      // Reading an output can need a value (bytes reinterpreted as another dtype).
      if (!(e instanceof NeedsValue)) throw locate(e, { method: method.name, instruction: -1 });
      probe = { needs: e, instruction: instructions.length };
    }
  }
  if (probe) {
    const binding = bind(g, probe.needs.tensor, true);
    return {
      model: g.toModel(method.name),
      externalData: g.externalWeights,
      feeds,
      outputs: [],
      stateOutputs: [],
      steps: null,
      nodeCount: g.nodeCount,
      probe: { name: probe.needs.tensor.name, binding, instruction: probe.instruction },
    };
  }
  const hasGraph = g.outputCount > 0;
  return {
    model: hasGraph ? g.toModel(method.name) : null,
    externalData: g.externalWeights,
    feeds: hasGraph ? feeds : [],
    outputs,
    stateOutputs,
    steps,
    nodeCount: g.nodeCount,
  };
}

function requireSlot(s: Slot<SymTensor> | undefined, index: number, method: Method): Slot<SymTensor> {
  if (s === undefined) throw new ExecutionError(`output value ${index} of ${method.name} is never written`);
  return s;
}

/** A value's binding: scalars and lowering-time constants are static, other tensors become graph outputs. */
function bind(g: GraphBuilder, s: Slot<SymTensor>, asOutput: boolean): ValueBinding {
  if (s.kind !== 'tensor') return { kind: 'static', value: s as RunValue };
  if (s.constant && s.constant.dtype === s.dtype) return { kind: 'static', value: s.constant };
  if (!asOutput) return { kind: 'graph', name: s.name, dtype: s.dtype };
  // onnxruntime-node has no bfloat16 tensors: such outputs leave the graph as float32.
  if (s.dtype === 'bfloat16') {
    const name = g.addOutput(g.op('Cast', [s.name], { to: 1 }), 'float32', s.shape);
    return { kind: 'graph', name, dtype: 'bfloat16' };
  }
  return { kind: 'graph', name: g.addOutput(s.name, s.dtype, s.shape), dtype: s.dtype };
}

function lowerKernel(
  method: Method,
  ins: Extract<Instruction, { kind: 'kernel' }>,
  where: ProgramLocation,
  c: LowerContext,
  read: (i: number) => Slot<SymTensor> | undefined,
  write: (i: number, s: Slot<SymTensor>) => void,
): void {
  const op = method.operators[ins.opIndex];
  const schema = op && operatorSchema(op.qualifiedName);
  const lowering = op && onnxLowering(op.qualifiedName);
  if (!op || !schema || !lowering)
    throw new LoweringError(`operator ${op?.qualifiedName ?? `#${ins.opIndex}`} has no ONNX lowering`);
  lowering(new CallArgs<SymTensor>(schema, method, ins.args, where, read, write), c);
}

function locate(e: unknown, where: ProgramLocation): Error {
  if (e instanceof ExecutionError) return e;
  if (e instanceof LoweringError || e instanceof ShapeError || e instanceof RangeError)
    return new ExecutionError(e.message, where);
  return e as Error;
}
