import { Program } from '../format/pte/pteTypes';
import { ExternalTensorRef } from './linkTypes';

export interface ExternalTensors {
  /** EXTERNAL tensors (constant or mutable) with their keys, in method and value order. */
  named: ExternalTensorRef[];
  /** EXTERNAL tensors without a fully qualified name: nothing can resolve them. */
  unnamed: { method: string; valueIndex: number }[];
}

/** Every value of every method that needs bytes from a data file. */
export function externalTensors(program: Program): ExternalTensors {
  const named: ExternalTensorRef[] = [];
  const unnamed: ExternalTensors['unnamed'] = [];
  for (const method of program.methods) {
    method.values.forEach((value, valueIndex) => {
      if (value.kind !== 'tensor') return;
      const tensor = value.tensor;
      if (tensor.kind !== 'external' && tensor.kind !== 'externalMutable') return;
      if (tensor.fullyQualifiedName === null) unnamed.push({ method: method.name, valueIndex });
      else named.push({ key: tensor.fullyQualifiedName, method: method.name, valueIndex, tensor });
    });
  }
  return { named, unnamed };
}

/** The distinct keys a program's EXTERNAL tensors need, in first-use order. */
export function externalKeys(program: Program): string[] {
  return [...new Set(externalTensors(program).named.map((r) => r.key))];
}
