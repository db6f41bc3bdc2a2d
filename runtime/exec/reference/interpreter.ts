import { performance } from 'node:perf_hooks';
import { XNNPACK_BACKEND } from '../../format/delegatePayloads';
import { formatInstruction } from '../../format/pte/describe';
import { Instruction, Method } from '../../format/pte/pteTypes';
import { XnnpackGraph } from '../../format/xnnpack/xnnpackTypes';
import { LoadedMethod, RunOptions, RunResult, StepRecord } from '../engine';
import { ExecutionError, ProgramLocation, RunCancelledError } from '../errors';
import { bindInputs, collectOutputs, methodSignature, valueDtype } from '../method/signature';
import { PlannedStorage, plannedStorage } from '../method/plannedMemory';
import { loadStoredValues } from '../method/storedValues';
import { ExecProgram } from '../program/openProgram';
import { loadXnnpackConstants } from '../program/xnnpackConstants';
import { CallArgs, initialScalar, Slot } from '../schema/callArgs';
import { operatorSchema } from '../schema/operatorSchemas';
import { ShapeError } from '../shapes';
import {
  cloneTensor,
  DType,
  elementSize,
  isDType,
  numel,
  Tensor,
  tensorBytes,
  tensorFromBytes,
  zeros,
} from '../tensor';
import { RunValue } from '../values';
import { referenceKernel } from './registry';
import { XnnNodeStep, XnnpackReference } from './xnnpack/runXnnpack';

/** Upper bound on executed instructions per call, so a bad jump cannot loop forever. */
const MAX_STEPS = 50_000_000;
/** How long the interpreter runs before yielding to the event loop (to see a cancel). */
const YIELD_MS = 20;

/**
 * The reference interpreter: runs a method instruction by instruction with
 * plain TypeScript kernels (float64 arithmetic), the way the ExecuTorch
 * runtime walks its execution plan. It is the oracle the ONNX lowering is
 * checked against and the engine behind step mode.
 *
 * Planned tensors live in byte arenas laid out as the program's memory
 * plan says (`non_const_buffer_sizes`, each tensor's mem_id and offset), as
 * in the runtime: a write to a value is visible to every value whose bytes
 * overlap it (static views the exporter turned into aliases), and the
 * arenas persist across calls, so mutable buffers (a KV cache written with
 * `copy_`/`index_put_`) carry their state from one call to the next.
 */
export class ReferenceMethod implements LoadedMethod {
  readonly engine = 'reference' as const;
  readonly signature;
  /** Values held outside the arenas (scalars, lists, constants, unplanned tensors). */
  private slots: (Slot<Tensor> | undefined)[] = [];
  /** Each value's planned storage as the program declares it. */
  private readonly planned: (PlannedStorage | null)[];
  /** Where each value's bytes are now (a move makes a value share another's storage). */
  private home: (PlannedStorage | null)[] = [];
  /** Dtype and shape of the last write to a planned value (its declared ones until then). */
  private written: ({ dtype: DType; shape: number[] } | undefined)[] = [];
  private readonly arenas = new Map<number, Uint8Array>();
  private readonly instructions: Instruction[];
  private queue: Promise<unknown> = Promise.resolve();
  /** Values freed by a FreeCall in this run: reading them is an error until they are written again. */
  private freed = new Set<number>();

  private constructor(
    private readonly method: Method,
    private readonly stored: Map<number, Tensor>,
    private readonly delegates: Map<number, XnnpackReference>,
    readonly loadMs: number,
  ) {
    this.signature = methodSignature(method);
    this.instructions = method.chains.flatMap((c) => c.instructions);
    this.planned = plannedStorage(method);
    this.reset();
  }

  static async load(p: ExecProgram, methodIndex: number): Promise<ReferenceMethod> {
    const start = performance.now();
    const method = p.program.methods[methodIndex];
    const stored = await loadStoredValues(p, method);
    const delegates = new Map<number, XnnpackReference>();
    for (const payload of p.payloads) {
      if (payload.methodIndex !== methodIndex || payload.status !== 'xnnpack') continue;
      const constants = await loadXnnpackConstants(p, payload as typeof payload & { graph: XnnpackGraph });
      delegates.set(payload.delegateIndex, new XnnpackReference(payload.graph, constants));
    }
    return new ReferenceMethod(method, stored, delegates, performance.now() - start);
  }

  /**
   * A method assembled in memory: its stored tensors by value index and its
   * XNNPACK delegates by delegate index (tests and tools that build methods).
   */
  static fromParts(
    method: Method,
    stored: Map<number, Tensor>,
    delegates: Map<number, XnnpackReference> = new Map(),
  ): ReferenceMethod {
    return new ReferenceMethod(method, stored, delegates, 0);
  }

  reset(): void {
    this.home = [...this.planned];
    this.written = [];
    this.allocateArenas();
    this.slots = this.method.values.map((v, index): Slot<Tensor> | undefined =>
      v.kind === 'tensor' ? (this.home[index] ? undefined : this.stored.get(index)) : initialScalar(v),
    );
    // Initial values of planned tensors (mutable buffers) are copied into their storage, as the runtime does at load.
    for (const [index, t] of this.stored) if (this.home[index]) this.write(index, t, null);
  }

  /** One zeroed arena per mem_id a planned value uses (the runtime allocates `non_const_buffer_sizes`). */
  private allocateArenas(): void {
    const used = new Set(this.planned.flatMap((s) => (s ? [s.memoryId] : [])));
    for (const memoryId of used) {
      const arena = this.arenas.get(memoryId);
      if (arena) {
        arena.fill(0);
        continue;
      }
      const size = this.method.nonConstBufferSizes[memoryId];
      try {
        this.arenas.set(memoryId, new Uint8Array(size));
      } catch (e) {
        if (e instanceof RangeError)
          throw new ExecutionError(`cannot allocate planned arena mem_id ${memoryId} (${size} bytes)`, {
            method: this.method.name,
            instruction: -1,
          });
        throw e;
      }
    }
  }

  async dispose(): Promise<void> {
    this.slots = [];
  }

  run(inputs: readonly RunValue[], options: RunOptions = {}): Promise<RunResult> {
    // Calls run one at a time: they share the value slots (and the state in them).
    const result = this.queue.then(() => this.runNow(inputs, options));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow(inputs: readonly RunValue[], options: RunOptions): Promise<RunResult> {
    const start = performance.now();
    this.freed.clear();
    // Planned inputs are copied into their storage (Method::set_input).
    for (const [index, slot] of bindInputs(this.method, inputs)) this.write(index, slot, null);
    const steps: StepRecord[] | undefined = options.steps ? [] : undefined;
    let pc = 0;
    let executed = 0;
    let lastYield = performance.now();
    while (pc < this.instructions.length) {
      if (options.signal && performance.now() - lastYield > YIELD_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (options.signal?.aborted) throw new RunCancelledError();
      if (++executed > MAX_STEPS)
        throw new ExecutionError(`more than ${MAX_STEPS} instructions executed; the program loops`, {
          method: this.method.name,
          instruction: pc,
        });
      const ins = this.instructions[pc];
      const writes: StepRecord['writes'] = [];
      const record = steps
        ? (valueIndex: number, value: Slot<Tensor>) => writes.push({ valueIndex, value: value as RunValue })
        : null;
      const where: ProgramLocation = { method: this.method.name, instruction: pc };
      let next = pc + 1;
      let delegateNodes: XnnNodeStep[] | undefined;
      try {
        switch (ins.kind) {
          case 'kernel':
            this.kernel(ins, where, record);
            break;
          case 'delegate':
            delegateNodes = steps ? [] : undefined;
            this.delegate(ins, where, record, delegateNodes);
            break;
          case 'move':
            this.move(ins.from, ins.to, where, record);
            break;
          case 'jumpFalse':
            if (!this.condition(ins.condValueIndex, where)) next = ins.destination;
            if (next < 0 || next > this.instructions.length)
              throw new ExecutionError(`jump to instruction ${next}, which does not exist`, where);
            break;
          case 'free':
            this.slots[ins.valueIndex] = undefined;
            this.freed.add(ins.valueIndex);
            break;
          default:
            throw new ExecutionError(`unknown instruction (tag ${ins.tag})`, where);
        }
      } catch (e) {
        if (e instanceof ExecutionError) throw e;
        if (e instanceof ShapeError || e instanceof RangeError) throw new ExecutionError(e.message, where);
        throw e;
      }
      if (steps)
        steps.push({
          instruction: pc,
          text: formatInstruction(this.method, ins),
          writes,
          ...(delegateNodes ? { delegateNodes } : {}),
        });
      pc = next;
    }
    // Outputs in planned memory are copied out: the next call overwrites them.
    const outputs = collectOutputs(
      this.method,
      (i) => this.slot(i),
      (t) => (this.isArenaView(t) ? cloneTensor(t) : t),
    );
    return { outputs, runMs: performance.now() - start, ...(steps ? { steps } : {}) };
  }

  private isArenaView(t: Tensor): boolean {
    for (const arena of this.arenas.values()) if (t.data.buffer === arena.buffer) return true;
    return false;
  }

  /**
   * A value's slot. A planned tensor is a view of its bytes in the arena,
   * with the dtype and shape it was last written with (declared ones if
   * nothing wrote it: then it reads whatever was written through the values
   * it overlaps, or zeros). Planned tensors without storage read before
   * anything wrote them start out as zeros.
   */
  private slot(index: number): Slot<Tensor> | undefined {
    let s = this.slots[index];
    const home = this.home[index];
    if (s === undefined && home && !this.freed.has(index)) {
      const v = this.method.values[index];
      const meta =
        this.written[index] ??
        (v?.kind === 'tensor' && isDType(v.tensor.dtype)
          ? { dtype: v.tensor.dtype, shape: v.tensor.sizes }
          : undefined);
      if (!meta) return undefined;
      const nbytes = numel(meta.shape) * elementSize(meta.dtype);
      return tensorFromBytes(
        meta.dtype,
        meta.shape,
        this.arenas.get(home.memoryId)!.subarray(home.start, home.start + nbytes),
      );
    }
    if (s === undefined && !this.freed.has(index)) {
      const v = this.method.values[index];
      if (v?.kind === 'tensor' && v.tensor.allocation !== null && isDType(v.tensor.dtype)) {
        s = zeros(v.tensor.dtype, v.tensor.sizes);
        this.slots[index] = s;
      }
    }
    return s;
  }

  private read(index: number, where: ProgramLocation): Slot<Tensor> {
    const s = this.slot(index);
    if (s === undefined) throw new ExecutionError(`value ${index} is read before it has a value`, where);
    return s;
  }

  /**
   * Stores a value. A tensor with planned storage is copied into its arena
   * bytes (seen by every value that overlaps them); one larger than its
   * storage (only in methods assembled in memory) is kept apart.
   */
  private write(index: number, value: Slot<Tensor>, record: ((i: number, v: Slot<Tensor>) => void) | null): void {
    this.freed.delete(index);
    const home = this.home[index];
    if (value.kind === 'tensor' && home && value.data.byteLength <= home.capacity) {
      this.arenas.get(home.memoryId)!.set(tensorBytes(value), home.start);
      this.written[index] = { dtype: value.dtype, shape: [...value.shape] };
      this.slots[index] = undefined;
      record?.(index, this.isArenaView(value) ? cloneTensor(value) : value);
      return;
    }
    this.slots[index] = value;
    record?.(index, value);
  }

  /** MoveCall: the destination becomes the source's value; a planned tensor is shared, not copied (EValue assignment). */
  private move(
    from: number,
    to: number,
    where: ProgramLocation,
    record: ((i: number, v: Slot<Tensor>) => void) | null,
  ): void {
    const value = this.read(from, where);
    this.freed.delete(to);
    if (this.home[from] && this.slots[from] === undefined) {
      this.home[to] = this.home[from];
      this.written[to] = value.kind === 'tensor' ? { dtype: value.dtype, shape: [...value.shape] } : undefined;
      this.slots[to] = undefined;
      record?.(to, value.kind === 'tensor' ? cloneTensor(value) : value);
      return;
    }
    this.home[to] = null;
    this.slots[to] = value;
    record?.(to, value);
  }

  private condition(index: number, where: ProgramLocation): boolean {
    const s = this.read(index, where);
    if (s.kind === 'bool') return s.value;
    if (s.kind === 'int') return s.value !== 0;
    if (s.kind === 'tensor' && s.data.length > 0) return Number(s.data[0]) !== 0;
    throw new ExecutionError(`jump condition (value ${index}) is ${s.kind}, not a bool`, where);
  }

  private kernel(
    ins: Extract<Instruction, { kind: 'kernel' }>,
    where: ProgramLocation,
    record: ((i: number, v: Slot<Tensor>) => void) | null,
  ): void {
    const op = this.method.operators[ins.opIndex];
    const schema = op && operatorSchema(op.qualifiedName);
    const kernel = op && referenceKernel(op.qualifiedName);
    if (!op || !schema || !kernel)
      throw new ExecutionError(`operator ${op?.qualifiedName ?? `#${ins.opIndex}`} is not supported`, where);
    const args = new CallArgs<Tensor>(
      schema,
      this.method,
      ins.args,
      where,
      (i) => this.slot(i),
      (i, v) => this.write(i, v, record),
    );
    kernel(args);
  }

  private delegate(
    ins: Extract<Instruction, { kind: 'delegate' }>,
    where: ProgramLocation,
    record: ((i: number, v: Slot<Tensor>) => void) | null,
    nodeSteps: XnnNodeStep[] | undefined,
  ): void {
    const delegate = this.method.delegates[ins.delegateIndex];
    const graph = this.delegates.get(ins.delegateIndex);
    if (!delegate || delegate.backend !== XNNPACK_BACKEND || !graph) {
      throw new ExecutionError(`backend ${delegate?.backend ?? `#${ins.delegateIndex}`} is not supported`, where);
    }
    const inputs = new Map<number, Tensor>();
    const outputDtypes = new Map<number, DType>();
    for (const v of graph.graph.values) {
      const external = v.externalId;
      if (external === null) continue;
      const valueIndex = ins.args[external];
      if (valueIndex === undefined)
        throw new ExecutionError(`delegate argument ${external} is missing (${ins.args.length} arguments)`, where);
      if (v.isInput) {
        const s = this.read(valueIndex, where);
        if (s.kind !== 'tensor')
          throw new ExecutionError(
            `delegate input ${external} (value ${valueIndex}) is ${s.kind}, not a tensor`,
            where,
          );
        inputs.set(external, s);
      }
      if (v.isOutput) outputDtypes.set(external, valueDtype(this.method, valueIndex) ?? 'float32');
    }
    try {
      const outputs = graph.run(inputs, outputDtypes, nodeSteps);
      for (const [external, t] of outputs) this.write(ins.args[external], t, record);
    } catch (e) {
      if (e instanceof RangeError || e instanceof ShapeError)
        throw new ExecutionError(`XNNPACK delegate ${ins.delegateIndex}: ${e.message}`, where);
      throw e;
    }
  }
}
