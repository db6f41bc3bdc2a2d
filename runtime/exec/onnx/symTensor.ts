import { DType, Tensor } from '../tensor';
import { GraphBuilder } from './graphBuilder';

/**
 * A tensor of the graph being built: its ONNX value name, dtype and (at
 * lowering time, concrete) shape. `constant` holds the value when it is
 * known at lowering time (small program constants), so shape logic can be
 * folded. `transposeOf` marks a 2-D transpose that consumers able to absorb
 * it (Gemm's transB) use without the Transpose node ever being emitted.
 */
export interface SymTensor {
  readonly kind: 'tensor';
  readonly name: string;
  readonly dtype: DType;
  readonly shape: number[];
  readonly constant?: Tensor;
  readonly transposeOf?: SymTensor;
}

export function sym(name: string, dtype: DType, shape: readonly number[], constant?: Tensor): SymTensor {
  return { kind: 'tensor', name, dtype, shape: [...shape], ...(constant ? { constant } : {}) };
}

/** A 2-D transpose of `base` that emits its Transpose node only if a consumer reads `name`. */
export function lazyTranspose(g: GraphBuilder, base: SymTensor): SymTensor {
  let name: string | null = null;
  return {
    kind: 'tensor',
    dtype: base.dtype,
    shape: [base.shape[1], base.shape[0]],
    transposeOf: base,
    get name(): string {
      name ??= g.op('Transpose', [base.name], { perm: [1, 0] });
      return name;
    },
  };
}
