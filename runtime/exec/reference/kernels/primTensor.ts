import { copyIndex, localScalar } from '../../opSpecs/primTensor';
import { getNumber, Tensor } from '../../tensor';
import { RefKernelTable } from '../kernel';
import { concatenate, sliceAlong } from './shape';

/** Prim ops that read tensor contents (the scalar-only prim ops are shared with the lowering). */
export const primTensorKernels: RefKernelTable = {
  'aten::_local_scalar_dense': (a) => {
    const t = a.tensor('self');
    if (t.data.length < 1) a.fail('the tensor is empty');
    a.setReturn(localScalar(t.dtype, getNumber(t, 0)));
  },
  // Writes copy_from into row `index` of copy_to, growing it to index + 1 rows (the runtime resizes it).
  'executorch_prim::et_copy_index.tensor': (a) => {
    const { to, from, index, kept } = copyIndex(a);
    const head: Tensor = sliceAlong(to, 0, 0, kept, 1);
    const filler: Tensor[] = [];
    // Rows between the old end and `index` hold whatever was in memory; zeros here.
    if (index > kept)
      filler.push({
        kind: 'tensor',
        dtype: to.dtype,
        shape: [index - kept, ...from.shape],
        data: new (to.data.constructor as new (n: number) => Tensor['data'])((index - kept) * from.data.length),
      });
    const row: Tensor = { ...from, shape: [1, ...from.shape] };
    a.setOut('copy_to', concatenate([head, ...filler, row], 0, to.dtype));
  },
};
