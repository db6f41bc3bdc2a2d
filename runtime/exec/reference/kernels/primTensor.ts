import { formatShape } from '../../shapes';
import { getNumber, isFloating, Tensor } from '../../tensor';
import { RefKernelTable } from '../kernel';
import { concatenate, sliceAlong } from './shape';

/** Prim ops that read tensor contents (the scalar-only prim ops are shared with the lowering). */
export const primTensorKernels: RefKernelTable = {
  'aten::_local_scalar_dense': (a) => {
    const t = a.tensor('self');
    if (t.data.length < 1) a.fail('the tensor is empty');
    const v = getNumber(t, 0);
    a.setReturn(
      t.dtype === 'bool'
        ? { kind: 'bool', value: v !== 0 }
        : isFloating(t.dtype)
          ? { kind: 'double', value: v }
          : { kind: 'int', value: v },
    );
  },
  // Writes copy_from into row `index` of copy_to, growing it to index + 1 rows (the runtime resizes it).
  'executorch_prim::et_copy_index.tensor': (a) => {
    const to = a.tensor('copy_to');
    const from = a.tensor('copy_from');
    const index = a.int('index');
    if (index < 0) a.fail('index must be non-negative');
    if (to.shape.length !== from.shape.length + 1 || from.shape.some((d, i) => d !== to.shape[i + 1])) {
      a.fail(`copy_from ${formatShape(from.shape)} does not fit a row of copy_to ${formatShape(to.shape)}`);
    }
    const kept = Math.min(index, to.shape[0]);
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
