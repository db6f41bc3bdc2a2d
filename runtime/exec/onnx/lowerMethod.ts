import { XNNPACK_BACKEND } from '../../format/delegatePayloads';
import { formatInstruction } from '../../format/pte/describe';
import { Instruction, Method } from '../../format/pte/model';
import { ExecutionError, ProgramLocation } from '../errors';
import { CallArgs, Slot } from '../schema/callArgs';
import { operatorSchema } from '../schema/operatorSchemas';
import { ShapeError } from '../shapes';
import { DType, getNumber, Tensor } from '../tensor';
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
export type ValueBinding =
  | { kind: 'graph'; name: string; dtype: DType }
  | { kind: 'static'; value: RunValue };

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
  const slots: (Slot<SymTensor> | undefined)[] = method.values.map((v) => {
    switch (v.kind) {
      case 'null': return { kind: 'none' };
      case 'int': return { kind: 'int', value: Number(v.value) };
      case 'double': return { kind: 'double', value: v.value };
      case 'bool': return { kind: 'bool', value: v.value };
      case 'string': return { kind: 'string', value: v.value };
      default: return undefined;
    }
  });
  const feeds: GraphFeed[] = [];
  const weightFeeds: WeightFeed[] = [];
  const stateRead = new Set<number>();
  const written = new Set<number>();

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
  }

  /** First read of a stored tensor or a planned one: a weight, or a state input. */
  const materialize = (index: number): Slot<SymTensor> | undefined => {
    const stored = input.stored.get(index);
    const v = method.values[index];
    const isPlanned = v?.kind === 'tensor' && v.tensor.allocation !== null;
    if (stored && !isPlanned) {
      const before = weightFeeds.length;
      const t = placeWeight(g, `weight_${index}`, stored, input.weights, weightFeeds);
      for (const f of weightFeeds.slice(before)) feeds.push({ name: f.name, kind: 'weight', valueIndex: index, tensor: f.tensor });
      return t;
    }
    const state = input.state(index);
    if (state) {
      stateRead.add(index);
      const feedDtype: DType = state.dtype === 'bfloat16' ? 'float32' : state.dtype;
      const name = g.addInput(`state_${index}`, feedDtype, state.shape);
      feeds.push({ name, kind: 'state', valueIndex: index });
      return c.cast(sym(name, feedDtype, state.shape), state.dtype);
    }
    return undefined;
  };

  const read = (index: number): Slot<SymTensor> | undefined => {
    if (index < 0) return undefined;
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
    if (++executed > MAX_LOWERED_INSTRUCTIONS) throw new ExecutionError(`more than ${MAX_LOWERED_INSTRUCTIONS} instructions while lowering; the program loops`, where);
    const writes: { valueIndex: number; slot: Slot<SymTensor> }[] = [];
    const write = (index: number, slot: Slot<SymTensor>) => {
      slots[index] = slot;
      written.add(index);
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
          if (!delegate || delegate.backend !== XNNPACK_BACKEND || !data) throw new LoweringError(`backend ${delegate?.backend ?? `#${ins.delegateIndex}`} is not supported`);
          lowerXnnpackCall(c, method, ins.args, data, read, write, input.weights, weightFeeds, feeds);
          break;
        }
        case 'move': {
          const s = read(ins.from);
          if (s === undefined) throw new ExecutionError(`value ${ins.from} is moved before it has a value`, where);
          write(ins.to, s);
          break;
        }
        case 'jumpFalse': {
          const s = read(ins.condValueIndex);
          if (s === undefined) throw new ExecutionError(`jump condition (value ${ins.condValueIndex}) has no value`, where);
          let value: boolean;
          if (s.kind === 'bool') value = s.value;
          else if (s.kind === 'int') value = s.value !== 0;
          else if (s.kind === 'tensor') value = getNumber(c.valueOf(s, `the jump at instruction ${pc} depends on tensor data`), 0) !== 0;
          else throw new LoweringError(`the jump condition at instruction ${pc} is ${s.kind}`);
          if (!value) next = ins.destination;
          if (next < 0 || next > instructions.length) throw new ExecutionError(`jump to instruction ${next}, which does not exist`, where);
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
    if (steps) steps.push({ instruction: pc, text: formatInstruction(method, ins), writes: writes.map((w) => ({ valueIndex: w.valueIndex, binding: bind(g, w.slot, true) })) });
    pc = next;
  }

  if (probe) {
    const binding = bind(g, probe.needs.tensor, true);
    return {
      model: g.toModel(method.name), externalData: g.externalWeights, feeds, outputs: [], stateOutputs: [], steps: null, nodeCount: g.nodeCount,
      probe: { name: probe.needs.tensor.name, binding, instruction: probe.instruction },
    };
  }
  const outputs = method.outputs.map((index): LoweredMethod['outputs'][number] => {
    const v = method.values[index];
    if (v?.kind === 'tensorList' || v?.kind === 'optionalTensorList' || v?.kind === 'intList') {
      return { kind: 'list', items: v.items.map((item) => (item < 0 ? { kind: 'static', value: { kind: 'none' } } : bind(g, requireSlot(read(item), item, method), true))) };
    }
    return bind(g, requireSlot(read(index), index, method), true);
  });
  const stateOutputs = [...stateRead].filter((i) => written.has(i) && slots[i] !== undefined).map((i) => ({ valueIndex: i, binding: bind(g, slots[i]!, true) }));
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
  method: Method, ins: Extract<Instruction, { kind: 'kernel' }>, where: ProgramLocation, c: LowerContext,
  read: (i: number) => Slot<SymTensor> | undefined, write: (i: number, s: Slot<SymTensor>) => void,
): void {
  const op = method.operators[ins.opIndex];
  const schema = op && operatorSchema(op.qualifiedName);
  const lowering = op && onnxLowering(op.qualifiedName);
  if (!op || !schema || !lowering) throw new LoweringError(`operator ${op?.qualifiedName ?? `#${ins.opIndex}`} has no ONNX lowering`);
  lowering(new CallArgs<SymTensor>(schema, method, ins.args, where, read, write), c);
}

function locate(e: unknown, where: ProgramLocation): Error {
  if (e instanceof ExecutionError) return e;
  if (e instanceof LoweringError || e instanceof ShapeError || e instanceof RangeError) return new ExecutionError(e.message, where);
  return e as Error;
}
