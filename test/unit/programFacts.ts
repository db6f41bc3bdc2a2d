import * as flatbuffers from 'flatbuffers';
import * as fs from 'node:fs';
import * as fb from '../../runtime/format/generated/program_generated';
import * as xnn from '../../runtime/format/generated/xnnpack_generated';

/**
 * Facts about a real program read straight from flatc's generated accessors,
 * without our decoder: the oracle for the memory and graph tests.
 */
export interface TensorFact {
  value: number;
  memoryId: number | null;
  offset: number | null;
  nbytes: number;
  /** `float32[1, 3]`. */
  type: string;
  constant: boolean;
  external: boolean;
}

export interface MethodFacts {
  name: string;
  arenaSizes: number[];
  inputs: number[];
  outputs: number[];
  tensors: Map<number, TensorFact>;
  /** Per instruction: the value indices it names, lists expanded to their items. */
  instructionValues: number[][];
  /** Per instruction: the delegate it calls, or null. */
  delegateOf: (number | null)[];
  /** Per delegate: its payload bytes, or null when not in a segment. */
  payloads: (Uint8Array | null)[];
}

const DTYPES: Record<number, [string, number]> = {
  0: ['uint8', 1],
  1: ['int8', 1],
  2: ['int16', 2],
  3: ['int32', 4],
  4: ['int64', 8],
  5: ['float16', 2],
  6: ['float32', 4],
  7: ['float64', 8],
  11: ['bool', 1],
  12: ['qint8', 1],
  13: ['quint8', 1],
  14: ['qint32', 4],
  15: ['bfloat16', 2],
  27: ['uint16', 2],
  28: ['uint32', 4],
  29: ['uint64', 8],
};

export function programFacts(file: string): MethodFacts[] {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const program = fb.Program.getRootAsProgram(new flatbuffers.ByteBuffer(bytes));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hasHeader = String.fromCharCode(...bytes.subarray(8, 12)) === 'eh00';
  const segmentBase = hasHeader ? Number(view.getBigUint64(24, true)) : null;
  const methods: MethodFacts[] = [];
  for (let m = 0; m < program.executionPlanLength(); m++) {
    const plan = program.executionPlan(m)!;
    const arenaSizes = Array.from({ length: plan.nonConstBufferSizesLength() }, (_, i) =>
      Number(plan.nonConstBufferSizes(i)),
    );
    const tensors = new Map<number, TensorFact>();
    const lists = new Map<number, number[]>();
    for (let v = 0; v < plan.valuesLength(); v++) {
      const ev = plan.values(v)!;
      if (ev.valType() === fb.KernelTypes.TensorList || ev.valType() === fb.KernelTypes.OptionalTensorList) {
        const list = ev.val(
          ev.valType() === fb.KernelTypes.TensorList ? new fb.TensorList() : new fb.OptionalTensorList(),
        );
        lists.set(
          v,
          Array.from({ length: list.itemsLength() }, (_, i) => list.items(i)!).filter((i: number) => i >= 0),
        );
      }
      if (ev.valType() !== fb.KernelTypes.Tensor) continue;
      const t: fb.Tensor = ev.val(new fb.Tensor());
      const sizes = Array.from(t.sizesArray() ?? []);
      const [dtype, element] = DTYPES[t.scalarType()] ?? [`unknown(${t.scalarType()})`, 1];
      const alloc = t.allocationInfo();
      const external = t.extraTensorInfo()?.location() === fb.TensorDataLocation.EXTERNAL;
      tensors.set(v, {
        value: v,
        memoryId: alloc ? alloc.memoryId() : null,
        offset: alloc ? alloc.memoryOffsetLow() + alloc.memoryOffsetHigh() * 2 ** 32 : null,
        nbytes: sizes.reduce((a, b) => a * b, 1) * element,
        type: `${dtype}[${sizes.join(', ')}]`,
        constant: !alloc && !external && t.dataBufferIdx() > 0,
        external: !alloc && external,
      });
    }
    const instructionValues: number[][] = [];
    const delegateOf: (number | null)[] = [];
    for (let c = 0; c < plan.chainsLength(); c++) {
      const chain = plan.chains(c)!;
      for (let i = 0; i < chain.instructionsLength(); i++) {
        const ins = chain.instructions(i)!;
        let args: number[] = [];
        let delegate: number | null = null;
        if (ins.instrArgsType() === fb.InstructionArguments.KernelCall)
          args = Array.from((ins.instrArgs(new fb.KernelCall()) as fb.KernelCall).argsArray() ?? []);
        if (ins.instrArgsType() === fb.InstructionArguments.DelegateCall) {
          const call = ins.instrArgs(new fb.DelegateCall()) as fb.DelegateCall;
          args = Array.from(call.argsArray() ?? []);
          delegate = call.delegateIndex();
        }
        instructionValues.push(args.flatMap((a) => [a, ...(lists.get(a) ?? [])]));
        delegateOf.push(delegate);
      }
    }
    const payloads = Array.from({ length: plan.delegatesLength() }, (_, d) => {
      const ref = plan.delegates(d)!.processed()!;
      if (ref.location() !== fb.DataLocation.SEGMENT || segmentBase === null) return null;
      const seg = program.segments(ref.index())!;
      const start = segmentBase + Number(seg.offset());
      return bytes.subarray(start, start + Number(seg.size()));
    });
    methods.push({
      name: plan.name()!,
      arenaSizes,
      inputs: Array.from(plan.inputsArray() ?? []),
      outputs: Array.from(plan.outputsArray() ?? []),
      tensors,
      instructionValues,
      delegateOf,
      payloads,
    });
  }
  return methods;
}

/** Node count of an XNNPACK payload (`XH00` header or a bare flatbuffer). */
export function xnnpackNodeCount(payload: Uint8Array): number {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const headed = String.fromCharCode(...payload.subarray(4, 8)) === 'XH00';
  const start = headed ? view.getUint32(10, true) : 0;
  const size = headed ? view.getUint32(14, true) : payload.length;
  const graph = xnn.XNNGraph.getRootAsXNNGraph(new flatbuffers.ByteBuffer(payload.slice(start, start + size)));
  return graph.xnodesLength();
}
