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

/**
 * Checks inputs against the method as the runtime does (count, kind, dtype;
 * exact shape for static tensors, rank and upper bounds for dynamic ones)
 * and returns them as value slots by value index.
 */
export function bindInputs(method: Method, inputs: readonly RunValue[]): Map<number, Slot<Tensor>> {
  const specs = methodSignature(method).inputs;
  if (inputs.length !== specs.length) {
    throw new InvalidInputError(
      `${method.name} takes ${specs.length} input(s) (${specs.map(describeSpec).join(', ') || 'none'}), got ${inputs.length}`,
    );
  }
  const out = new Map<number, Slot<Tensor>>();
  specs.forEach((s, i) => {
    const given = inputs[i];
    const fail = (why: string): never => {
      throw new InvalidInputError(
        `${method.name} input ${i}: expected ${describeSpec(s)}, got ${describeValue(given)}${why ? ` (${why})` : ''}`,
      );
    };
    if (s.kind === 'tensor') {
      if (given.kind !== 'tensor') return fail('');
      if (given.dtype !== s.dtype) return fail('dtype differs');
      if (given.shape.length !== s.shape.length) return fail('rank differs');
      if (!s.dynamic && given.shape.some((d, k) => d !== s.shape[k])) return fail('shape differs');
      if (s.dynamic && given.shape.some((d, k) => d > s.shape[k])) return fail('larger than the upper bound');
      out.set(s.valueIndex, given);
      return;
    }
    if (s.kind === 'int' || s.kind === 'bool' || s.kind === 'string') {
      if (given.kind !== s.kind) return fail('');
      out.set(s.valueIndex, given);
      return;
    }
    if (s.kind === 'double') {
      if (given.kind !== 'double' && given.kind !== 'int') return fail('');
      out.set(s.valueIndex, { kind: 'double', value: given.value as number });
      return;
    }
    if (s.kind === 'none') {
      if (given.kind !== 'none') return fail('');
      out.set(s.valueIndex, { kind: 'none' });
      return;
    }
    return fail(`inputs of kind ${s.kind} are not supported`);
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
