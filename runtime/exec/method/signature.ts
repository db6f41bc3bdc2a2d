import { Method, Value } from '../../format/pte/pteTypes';
import { ExecutionError, InvalidInputError } from '../errors';
import { Slot } from '../schema/callArgs';
import { describeTensor, DType, isDType, Tensor } from '../tensor';
import { describeValue, RunValue } from '../values';

/** What one method input or output is, for UIs and input checks. */
export type ValueSpec =
  | { kind: 'tensor'; valueIndex: number; dtype: string; shape: number[]; dynamic: boolean }
  | { kind: 'int' | 'double' | 'bool' | 'string' | 'none' | 'list' | 'unknown'; valueIndex: number };

export interface MethodSignature {
  name: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
}

function spec(method: Method, valueIndex: number): ValueSpec {
  const v: Value | undefined = method.values[valueIndex];
  if (!v) return { kind: 'unknown', valueIndex };
  switch (v.kind) {
    case 'tensor':
      return {
        kind: 'tensor',
        valueIndex,
        dtype: v.tensor.dtype,
        shape: [...v.tensor.sizes],
        dynamic: v.tensor.shapeDynamism !== 'static',
      };
    case 'int':
    case 'double':
    case 'bool':
    case 'string':
      return { kind: v.kind, valueIndex };
    case 'null':
      return { kind: 'none', valueIndex };
    case 'intList':
    case 'doubleList':
    case 'boolList':
    case 'tensorList':
    case 'optionalTensorList':
      return { kind: 'list', valueIndex };
    default:
      return { kind: 'unknown', valueIndex };
  }
}

export function methodSignature(method: Method): MethodSignature {
  return {
    name: method.name,
    inputs: method.inputs.map((i) => spec(method, i)),
    outputs: method.outputs.map((i) => spec(method, i)),
  };
}

export function describeSpec(s: ValueSpec): string {
  return s.kind === 'tensor' ? `${describeTensor(s)}${s.dynamic ? ' (dynamic, upper bounds)' : ''}` : s.kind;
}

/** `(float32[1, 2], int) → float32[1]`: a method's signature for pickers and messages. */
export function describeSignature(signature: MethodSignature): string {
  const one = (s: ValueSpec) => (s.kind === 'tensor' ? `${describeTensor(s)}${s.dynamic ? '*' : ''}` : s.kind);
  const outputs = signature.outputs.map(one);
  return `(${signature.inputs.map(one).join(', ')}) → ${outputs.length === 1 ? outputs[0] : `(${outputs.join(', ')})`}`;
}

function mismatch(s: ValueSpec, given: RunValue): string | null {
  switch (s.kind) {
    case 'tensor':
      if (given.kind !== 'tensor') return '';
      if (given.dtype !== s.dtype) return 'dtype differs';
      if (given.shape.length !== s.shape.length) return 'rank differs';
      if (!s.dynamic && given.shape.some((d, k) => d !== s.shape[k])) return 'shape differs';
      if (s.dynamic && given.shape.some((d, k) => d > s.shape[k])) return 'larger than the upper bound';
      return null;
    case 'int':
    case 'bool':
    case 'string':
      return given.kind === s.kind ? null : '';
    case 'double':
      return given.kind === 'double' || given.kind === 'int' ? null : '';
    case 'none':
      return given.kind === 'none' ? null : '';
    default:
      return `inputs of kind ${s.kind} are not supported`;
  }
}

/**
 * How `given` fails to fit an input as the runtime checks it (kind, dtype;
 * exact shape for static tensors, rank and upper bounds for dynamic ones):
 * `expected float32[3], got float32[4] (shape differs)`, or null when it fits.
 */
export function inputMismatch(s: ValueSpec, given: RunValue): string | null {
  const why = mismatch(s, given);
  return why === null ? null : `expected ${describeSpec(s)}, got ${describeValue(given)}${why ? ` (${why})` : ''}`;
}

/** `forward takes 2 input(s) (float32[1], float32[1]), got 1`, or null when the count fits. */
export function inputCountMismatch(signature: MethodSignature, given: number): string | null {
  const specs = signature.inputs;
  return given === specs.length
    ? null
    : `${signature.name} takes ${specs.length} input(s) (${specs.map(describeSpec).join(', ') || 'none'}), got ${given}`;
}

/** Checks inputs against the method (see inputMismatch) and returns them as value slots by value index. */
export function bindInputs(method: Method, inputs: readonly RunValue[]): Map<number, Slot<Tensor>> {
  const signature = methodSignature(method);
  const count = inputCountMismatch(signature, inputs.length);
  if (count) throw new InvalidInputError(count);
  const out = new Map<number, Slot<Tensor>>();
  signature.inputs.forEach((s, i) => {
    const given = inputs[i];
    const problem = inputMismatch(s, given);
    if (problem !== null) throw new InvalidInputError(`${method.name} input ${i}: ${problem}`);
    if (s.kind === 'tensor') out.set(s.valueIndex, given as Tensor);
    // An int is accepted for a double input and passed on as a double.
    else if (s.kind === 'double') out.set(s.valueIndex, { kind: 'double', value: (given as { value: number }).value });
    else out.set(s.valueIndex, given as Slot<Tensor>);
  });
  return out;
}

/** The method's outputs, read from value slots, in ExecuTorch's flat output order. */
export function collectOutputs<T>(
  method: Method,
  read: (valueIndex: number) => Slot<T> | undefined,
  toRun: (t: T) => Tensor,
): RunValue[] {
  return method.outputs.map((index) => {
    const v = method.values[index];
    if (v?.kind === 'tensorList' || v?.kind === 'optionalTensorList') {
      return {
        kind: 'list',
        items: v.items.map((item) => (item < 0 ? { kind: 'none' } : slotToRun(read(item), item, toRun))),
      };
    }
    if (v?.kind === 'intList')
      return { kind: 'list', items: v.items.map((item) => slotToRun(read(item), item, toRun)) };
    if (v?.kind === 'doubleList') return { kind: 'list', items: v.items.map((value) => ({ kind: 'double', value })) };
    if (v?.kind === 'boolList') return { kind: 'list', items: v.items.map((value) => ({ kind: 'bool', value })) };
    return slotToRun(read(index), index, toRun);
  });
}

function slotToRun<T>(s: Slot<T> | undefined, index: number, toRun: (t: T) => Tensor): RunValue {
  if (s === undefined) throw new ExecutionError(`output value ${index} was never written`);
  const k = (s as { kind: string }).kind;
  if (k === 'tensor') return toRun(s as T);
  return s as RunValue;
}

/** The dtype of a method tensor value, when the runner supports it. */
export function valueDtype(method: Method, index: number): DType | null {
  const v = method.values[index];
  return v?.kind === 'tensor' && isDType(v.tensor.dtype) ? v.tensor.dtype : null;
}
