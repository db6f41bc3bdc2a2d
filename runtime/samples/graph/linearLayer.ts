import { XNNPACK_BACKEND } from '../../format/delegatePayloads';
import { writeXnnpackPayload } from '../../format/writer/writeXnnpack';
import { Aten } from './aten';
import { fullyConnectedGraph, NamedConstant } from './xnnpackFullyConnected';

/**
 * `y = x Wᵀ (+ b)` for activations `x` `[rows, in]` and a weight `W` `[out, in]`,
 * in the two forms exported programs use:
 */
export const linearLayer = {
  /** Portable kernels, as `aten.linear` decomposes: `permute_copy(W, [1, 0])`, then `mm` (or `addmm` with a bias). */
  portable(aten: Aten, x: number, weight: number, bias: number | null = null): number {
    const transposed = aten.permuteCopy(weight, [1, 0]);
    return bias === null ? aten.mm(x, transposed) : aten.addmm(bias, x, transposed);
  },

  /** One XNNPACK delegate holding a FullyConnected node whose weight (and bias) are named keys. */
  xnnpack(aten: Aten, x: number, weight: NamedConstant, bias: NamedConstant | null = null): number {
    const inputSizes = aten.sizes(x);
    const out = aten.b.tensor(aten.b.tensorAt(x).scalarType, [...inputSizes.slice(0, -1), weight.dims[0]]);
    aten.b.delegateCall(XNNPACK_BACKEND, writeXnnpackPayload(fullyConnectedGraph(inputSizes, weight, bias)), [x], [out]);
    return out;
  },
};
