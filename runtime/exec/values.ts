import { describeTensor, Tensor } from './tensor';

/**
 * A value going into or coming out of a method, in ExecuTorch's EValue
 * vocabulary. Ints are int64 in ExecuTorch; here they are JS numbers, exact
 * up to 2^53 (shapes, indices and flags never come near that).
 */
export type RunValue =
  | Tensor
  | { kind: 'int'; value: number }
  | { kind: 'double'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'string'; value: string }
  | { kind: 'none' }
  /** An int, double, bool or tensor list; `None` items stand for absent optional tensors. */
  | { kind: 'list'; items: RunValue[] };

/** `float32[2, 3]`, `int 4`, `bool true`, `[int 1, int 2]`… for messages. */
export function describeValue(v: RunValue): string {
  switch (v.kind) {
    case 'tensor':
      return describeTensor(v);
    case 'int':
    case 'double':
    case 'bool':
      return `${v.kind} ${v.value}`;
    case 'string':
      return `string ${JSON.stringify(v.value)}`;
    case 'none':
      return 'None';
    case 'list':
      return `[${v.items.map(describeValue).join(', ')}]`;
  }
}
