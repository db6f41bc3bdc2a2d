import { copyIndex, localScalar } from '../../opSpecs/primTensor';
import { CallArgs } from '../../schema/callArgs';
import { broadcastShapes, formatShape } from '../../shapes';
import { DType, fromNumbers, getNumber } from '../../tensor';
import { LowerContext } from '../lowerContext';
import { LoweringTable } from '../lowering';
import { SymTensor } from '../symTensor';

type A = CallArgs<SymTensor>;

/** A tensor of `shape` filled with `value`: a 0-d constant expanded (ORT folds it). */
function filled(a: A, c: LowerContext, shape: readonly number[], value: number, name = 'out'): void {
  const dtype: DType = a.outDtype(name);
  const scalarType = dtype === 'bfloat16' || dtype === 'float16' ? 'float32' : dtype;
  c.out(a, name, c.expand(c.scalar(scalarType, value), shape));
}

function copyInto(a: A, c: LowerContext, name: string): void {
  const self = a.tensor('self');
  const src = a.tensor('src');
  if (broadcastShapes(self.shape, src.shape).some((d, i) => d !== self.shape[i]))
    a.fail(`src ${formatShape(src.shape)} does not broadcast to ${formatShape(self.shape)}`);
  c.out(a, name, c.expand(c.cast(src, a.outDtype(name)), self.shape));
}

function arange(a: A, c: LowerContext, start: number, end: number, step: number): void {
  if (step === 0) a.fail('step must not be 0');
  if ((end - start) / step < 0) a.fail(`arange(${start}, ${end}, ${step}) has a negative length`);
  const n = Math.ceil((end - start) / step);
  c.out(
    a,
    'out',
    c.constant(
      fromNumbers(
        a.outDtype('out'),
        [n],
        Array.from({ length: n }, (_, i) => start + i * step),
      ),
    ),
  );
}

export const creationLowerings: LoweringTable = {
  'aten::full.out': (a, c) => filled(a, c, a.intList('size'), a.scalar('fill_value')),
  'aten::full_like.out': (a, c) => filled(a, c, a.tensor('self').shape, a.scalar('fill_value')),
  'aten::zeros.out': (a, c) => filled(a, c, a.intList('size'), 0),
  'aten::ones.out': (a, c) => filled(a, c, a.intList('size'), 1),
  'aten::empty.out': (a, c) => filled(a, c, a.intList('size'), 0),
  'dim_order_ops::_empty_dim_order.out': (a, c) => filled(a, c, a.intList('size'), 0),
  'aten::fill.Scalar_out': (a, c) => filled(a, c, a.tensor('self').shape, a.scalar('value')),
  'aten::fill.Tensor_out': (a, c) => {
    const value = a.tensor('value');
    if (value.shape.reduce((p, q) => p * q, 1) !== 1)
      a.fail(`fill value must have one element, got ${formatShape(value.shape)}`);
    c.out(a, 'out', c.expand(c.reshape(c.cast(value, a.outDtype('out')), []), a.tensor('self').shape));
  },
  'aten::scalar_tensor.out': (a, c) => filled(a, c, [], a.scalar('s')),
  'aten::arange.out': (a, c) => arange(a, c, 0, a.scalar('end'), 1),
  'aten::arange.start_out': (a, c) => arange(a, c, a.scalar('start'), a.scalar('end'), a.scalar('step')),
  'aten::copy.out': (a, c) => copyInto(a, c, 'out'),
  'aten::copy_': (a, c) => copyInto(a, c, 'self'),
  'aten::native_dropout.out': (a, c) => {
    const input = a.tensor('input');
    const train = a.optBool('train') ?? true;
    if (train && a.float('p') > 0) a.fail('dropout in training mode is random; running it would not be reproducible');
    c.out(a, 'out0', input);
    filled(a, c, input.shape, 1, 'out1');
  },
};

/** Tensor-reading prim ops: folded when the tensor is a lowering-time constant. */
export const primTensorLowerings: LoweringTable = {
  'aten::_local_scalar_dense': (a, c) => {
    const t = a.tensor('self');
    const v = getNumber(
      c.valueOf(
        t,
        `${a.schema.qualifiedName}: reading a tensor's value into a scalar makes the program data-dependent`,
      ),
      0,
    );
    a.setReturn(localScalar(t.dtype, v));
  },
  'executorch_prim::et_copy_index.tensor': (a, c) => {
    const { to, from, index, kept } = copyIndex(a);
    const parts = [c.slice(to, 0, 0, kept)];
    if (index > kept) parts.push(c.expand(c.scalar(to.dtype, 0), [index - kept, ...from.shape]));
    parts.push(c.reshape(c.cast(from, to.dtype), [1, ...from.shape]));
    a.setOut(
      'copy_to',
      c.concat(
        parts.filter((p) => p.shape[0] > 0),
        0,
        [index + 1, ...from.shape],
      ),
    );
  },
};
