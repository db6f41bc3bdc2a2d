import { TensorValue } from '../../format/pte/pteTypes';
import { ExecutionError } from '../errors';
import { contiguousStrides, isDType, numel, Tensor, tensorFromBytes, zeros } from '../tensor';
import { ExecProgram } from './openProgram';

/** Tensor kinds whose bytes are stored somewhere (program or data file). */
export function hasStoredData(t: TensorValue): boolean {
  return (
    t.kind === 'constant' ||
    t.kind === 'external' ||
    t.kind === 'externalMutable' ||
    (t.kind === 'mutableWithInitialValue' && t.data !== null)
  );
}

/** True when `dimOrder` is the identity (row-major, the order every run value uses). */
export function isContiguousOrder(dimOrder: readonly number[]): boolean {
  return dimOrder.every((d, i) => d === i);
}

/**
 * Reads a tensor's stored bytes: constants and initial values from the
 * program, EXTERNAL tensors from the data file the linker resolved them to.
 * Bytes in a non-default dim order (e.g. channels-last) are put back in
 * row-major order, since every run value is kept row-major.
 */
export async function loadStoredTensor(
  p: ExecProgram,
  methodName: string,
  valueIndex: number,
  t: TensorValue,
): Promise<Tensor> {
  const where = `${methodName} value ${valueIndex}`;
  if (!isDType(t.dtype)) throw new ExecutionError(`${where}: dtype ${t.dtype} is not supported`);
  const nbytes = t.nbytes ?? 0;
  let bytes: Uint8Array;
  if (t.kind === 'external' || t.kind === 'externalMutable') {
    const link = p.link.resolved.find((r) => r.method === methodName && r.valueIndex === valueIndex);
    if (!link)
      throw new ExecutionError(`${where}: external tensor '${t.fullyQualifiedName}' is not resolved to any data file`);
    bytes = await p.shared.read(link.dataFile.source, { offset: link.entry.range.offset, length: nbytes });
  } else if (t.data) {
    bytes = await p.shared.read(p.program.source, { offset: t.data.offset, length: nbytes });
  } else {
    throw new ExecutionError(`${where}: ${t.kind} tensor has no stored bytes`);
  }
  if (isContiguousOrder(t.dimOrder) || t.dimOrder.length !== t.sizes.length)
    return tensorFromBytes(t.dtype, t.sizes, bytes);
  const physicalShape = t.dimOrder.map((d) => t.sizes[d]);
  return fromPhysicalOrder(tensorFromBytes(t.dtype, physicalShape, bytes), t.dimOrder, t.sizes);
}

/** Rearranges a tensor stored in `dimOrder` (outer to inner) into row-major order of `sizes`. */
export function fromPhysicalOrder(physical: Tensor, dimOrder: readonly number[], sizes: readonly number[]): Tensor {
  const out = zeros(physical.dtype, sizes);
  const physicalStrides = contiguousStrides(physical.shape);
  // stride of logical dim d inside the physical buffer
  const strides = new Array<number>(sizes.length);
  dimOrder.forEach((d, position) => {
    strides[d] = physicalStrides[position];
  });
  const n = numel(sizes);
  const index = new Array<number>(sizes.length).fill(0);
  let source = 0;
  const src = physical.data as unknown as ArrayLike<number | bigint> & { [i: number]: number | bigint };
  const dst = out.data as unknown as { [i: number]: number | bigint };
  for (let i = 0; i < n; i++) {
    dst[i] = src[source];
    for (let d = sizes.length - 1; d >= 0; d--) {
      index[d]++;
      source += strides[d];
      if (index[d] < sizes[d]) break;
      source -= strides[d] * sizes[d];
      index[d] = 0;
    }
  }
  return out;
}
