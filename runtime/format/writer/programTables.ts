import * as flatbuffers from 'flatbuffers';
import * as fb from '../generated/program_generated';
import { Chain, Delegate, Instruction, Method, StackFrame, TensorValue, Value } from '../pte/pteTypes';
import { WriteInputError } from './inputError';

/** Where a delegate's payload ended up: the `processed` reference to write. */
export type DelegateReference = (delegate: Delegate, path: string) => { location: fb.DataLocation; index: number };

/** Writes one `ExecutionPlan` table for a method, using the generated builders. */
export function writeExecutionPlan(
  b: flatbuffers.Builder,
  method: Method,
  path: string,
  reference: DelegateReference,
): flatbuffers.Offset {
  const name = b.createString(method.name);
  const meta = fb.ContainerMetadata.createContainerMetadata(
    b,
    b.createString(method.encodedInputSpec),
    b.createString(method.encodedOutputSpec),
  );
  const values = fb.ExecutionPlan.createValuesVector(
    b,
    method.values.map((v, i) => writeValue(b, v, `${path}.values[${i}]`)),
  );
  const inputs = fb.ExecutionPlan.createInputsVector(b, method.inputs);
  const outputs = fb.ExecutionPlan.createOutputsVector(b, method.outputs);
  const chains = fb.ExecutionPlan.createChainsVector(
    b,
    method.chains.map((c, i) => writeChain(b, c, `${path}.chains[${i}]`)),
  );
  const operators = fb.ExecutionPlan.createOperatorsVector(
    b,
    method.operators.map((op) => fb.Operator.createOperator(b, b.createString(op.name), b.createString(op.overload))),
  );
  const delegates = fb.ExecutionPlan.createDelegatesVector(
    b,
    method.delegates.map((d, i) => writeDelegate(b, d, `${path}.delegates[${i}]`, reference)),
  );
  const bufferSizes = fb.ExecutionPlan.createNonConstBufferSizesVector(
    b,
    method.nonConstBufferSizes.map((n) => BigInt(n)),
  );
  const devices =
    method.nonConstBufferDevices.length > 0
      ? fb.ExecutionPlan.createNonConstBufferDeviceVector(
          b,
          method.nonConstBufferDevices.map((d) =>
            fb.NonConstBufferDevice.createNonConstBufferDevice(b, d.bufferIdx, d.deviceType, d.deviceIndex),
          ),
        )
      : 0;

  fb.ExecutionPlan.startExecutionPlan(b);
  fb.ExecutionPlan.addName(b, name);
  fb.ExecutionPlan.addContainerMetaType(b, meta);
  fb.ExecutionPlan.addValues(b, values);
  fb.ExecutionPlan.addInputs(b, inputs);
  fb.ExecutionPlan.addOutputs(b, outputs);
  fb.ExecutionPlan.addChains(b, chains);
  fb.ExecutionPlan.addOperators(b, operators);
  fb.ExecutionPlan.addDelegates(b, delegates);
  fb.ExecutionPlan.addNonConstBufferSizes(b, bufferSizes);
  if (devices) fb.ExecutionPlan.addNonConstBufferDevice(b, devices);
  return fb.ExecutionPlan.endExecutionPlan(b);
}

/** Parses the `unknown(N)` spelling the decoders use for values they do not name. */
function unknownCode(text: string): number | null {
  const m = /^unknown\((\d+)\)$/.exec(text);
  return m ? Number(m[1]) : null;
}

function writeValue(b: flatbuffers.Builder, v: Value, path: string): flatbuffers.Offset {
  const K = fb.KernelTypes;
  switch (v.kind) {
    case 'null':
      fb.Null.startNull(b);
      return fb.EValue.createEValue(b, K.Null, fb.Null.endNull(b));
    case 'int':
      return fb.EValue.createEValue(b, K.Int, fb.Int.createInt(b, BigInt(v.value)));
    case 'bool':
      return fb.EValue.createEValue(b, K.Bool, fb.Bool.createBool(b, v.value));
    case 'double':
      return fb.EValue.createEValue(b, K.Double, fb.Double.createDouble(b, v.value));
    case 'string':
      return fb.EValue.createEValue(b, K.String, fb.String.createString(b, b.createString(v.value)));
    case 'tensor':
      return fb.EValue.createEValue(b, K.Tensor, writeTensor(b, v.tensor, `${path}.tensor`));
    case 'intList':
      return fb.EValue.createEValue(
        b,
        K.IntList,
        fb.IntList.createIntList(
          b,
          fb.IntList.createItemsVector(
            b,
            v.items.map((i) => BigInt(i)),
          ),
        ),
      );
    case 'doubleList':
      return fb.EValue.createEValue(
        b,
        K.DoubleList,
        fb.DoubleList.createDoubleList(b, fb.DoubleList.createItemsVector(b, v.items)),
      );
    case 'boolList':
      return fb.EValue.createEValue(
        b,
        K.BoolList,
        fb.BoolList.createBoolList(b, fb.BoolList.createItemsVector(b, v.items)),
      );
    case 'tensorList':
      return fb.EValue.createEValue(
        b,
        K.TensorList,
        fb.TensorList.createTensorList(b, fb.TensorList.createItemsVector(b, v.items)),
      );
    case 'optionalTensorList':
      return fb.EValue.createEValue(
        b,
        K.OptionalTensorList,
        fb.OptionalTensorList.createOptionalTensorList(b, fb.OptionalTensorList.createItemsVector(b, v.items)),
      );
    default:
      throw new WriteInputError(path, `value of unknown type (tag ${v.tag}) has no table to write`);
  }
}

const DYNAMISM: Record<string, number> = { static: 0, dynamicBound: 1, dynamicUnbound: 2 };
const DEVICE: Record<string, number> = { cpu: 0, cuda: 1 };

function enumCode(table: Record<string, number>, text: string, path: string): number {
  const code = table[text] ?? unknownCode(text);
  if (code === null)
    throw new WriteInputError(path, `'${text}' is not one of ${Object.keys(table).join(', ')} or unknown(N)`);
  return code;
}

/** Writes the schema fields of a tensor; the derived ones (kind, nbytes, data, dtype) are ignored. */
function writeTensor(b: flatbuffers.Builder, t: TensorValue, path: string): flatbuffers.Offset {
  const sizes = fb.Tensor.createSizesVector(b, t.sizes);
  const dimOrder = fb.Tensor.createDimOrderVector(b, t.dimOrder);
  const deviceType = enumCode(DEVICE, t.device.type, `${path}.device.type`);
  const hasExtra =
    t.fullyQualifiedName !== null ||
    t.location === 'external' ||
    t.mutableDataSegmentsIdx !== 0 ||
    deviceType !== 0 ||
    t.device.index !== 0;
  const extra = hasExtra
    ? fb.ExtraTensorInfo.createExtraTensorInfo(
        b,
        BigInt(t.mutableDataSegmentsIdx),
        t.fullyQualifiedName === null ? 0 : b.createString(t.fullyQualifiedName),
        t.location === 'external' ? fb.TensorDataLocation.EXTERNAL : fb.TensorDataLocation.SEGMENT,
        deviceType,
        t.device.index,
      )
    : 0;
  const allocation = t.allocation
    ? writeAllocation(b, t.allocation.memoryId, t.allocation.offset, `${path}.allocation`)
    : 0;
  fb.Tensor.startTensor(b);
  fb.Tensor.addScalarType(b, t.scalarType);
  fb.Tensor.addStorageOffset(b, t.storageOffset);
  fb.Tensor.addSizes(b, sizes);
  fb.Tensor.addDimOrder(b, dimOrder);
  fb.Tensor.addRequiresGrad(b, t.requiresGrad);
  fb.Tensor.addDataBufferIdx(b, t.dataBufferIdx);
  if (allocation) fb.Tensor.addAllocationInfo(b, allocation);
  fb.Tensor.addLayout(b, t.layout);
  fb.Tensor.addShapeDynamism(b, enumCode(DYNAMISM, t.shapeDynamism, `${path}.shapeDynamism`));
  if (extra) fb.Tensor.addExtraTensorInfo(b, extra);
  return fb.Tensor.endTensor(b);
}

function writeAllocation(b: flatbuffers.Builder, memoryId: number, offset: number, path: string): flatbuffers.Offset {
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new WriteInputError(`${path}.offset`, `offset must be a non-negative integer, got ${offset}`);
  return fb.AllocationDetails.createAllocationDetails(
    b,
    memoryId,
    offset % 0x1_0000_0000,
    Math.floor(offset / 0x1_0000_0000),
  );
}

function writeChain(b: flatbuffers.Builder, chain: Chain, path: string): flatbuffers.Offset {
  const inputs = fb.Chain.createInputsVector(b, chain.inputs);
  const outputs = fb.Chain.createOutputsVector(b, chain.outputs);
  const instructions = fb.Chain.createInstructionsVector(
    b,
    chain.instructions.map((ins, i) => writeInstruction(b, ins, `${path}.instructions[${i}]`)),
  );
  const stacktrace = chain.stacktrace
    ? fb.Chain.createStacktraceVector(
        b,
        chain.stacktrace.map((frames) =>
          fb.FrameList.createFrameList(
            b,
            fb.FrameList.createItemsVector(
              b,
              frames.map((f) => writeFrame(b, f)),
            ),
          ),
        ),
      )
    : 0;
  return fb.Chain.createChain(b, inputs, outputs, instructions, stacktrace);
}

function writeFrame(b: flatbuffers.Builder, f: StackFrame): flatbuffers.Offset {
  return fb.Frame.createFrame(
    b,
    b.createString(f.filename),
    f.lineno,
    b.createString(f.name),
    b.createString(f.context),
  );
}

function writeInstruction(b: flatbuffers.Builder, ins: Instruction, path: string): flatbuffers.Offset {
  const I = fb.InstructionArguments;
  switch (ins.kind) {
    case 'kernel':
      return fb.Instruction.createInstruction(
        b,
        I.KernelCall,
        fb.KernelCall.createKernelCall(b, ins.opIndex, fb.KernelCall.createArgsVector(b, ins.args)),
      );
    case 'delegate':
      return fb.Instruction.createInstruction(
        b,
        I.DelegateCall,
        fb.DelegateCall.createDelegateCall(b, ins.delegateIndex, fb.DelegateCall.createArgsVector(b, ins.args)),
      );
    case 'move':
      return fb.Instruction.createInstruction(b, I.MoveCall, fb.MoveCall.createMoveCall(b, ins.from, ins.to));
    case 'jumpFalse':
      return fb.Instruction.createInstruction(
        b,
        I.JumpFalseCall,
        fb.JumpFalseCall.createJumpFalseCall(b, ins.condValueIndex, ins.destination),
      );
    case 'free':
      return fb.Instruction.createInstruction(b, I.FreeCall, fb.FreeCall.createFreeCall(b, ins.valueIndex));
    default:
      throw new WriteInputError(path, `instruction of unknown type (tag ${ins.tag}) has no table to write`);
  }
}

function writeDelegate(
  b: flatbuffers.Builder,
  d: Delegate,
  path: string,
  reference: DelegateReference,
): flatbuffers.Offset {
  const id = b.createString(d.backend);
  const ref = reference(d, path);
  const processed = fb.BackendDelegateDataReference.createBackendDelegateDataReference(b, ref.location, ref.index);
  const specs = fb.BackendDelegate.createCompileSpecsVector(
    b,
    d.compileSpecs.map((s) => fb.CompileSpec.createCompileSpec(b, b.createString(s.key), b.createByteVector(s.value))),
  );
  fb.BackendDelegate.startBackendDelegate(b);
  fb.BackendDelegate.addId(b, id);
  fb.BackendDelegate.addProcessed(b, processed);
  fb.BackendDelegate.addCompileSpecs(b, specs);
  return fb.BackendDelegate.endBackendDelegate(b);
}
