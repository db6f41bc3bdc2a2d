import { CallArgs } from '../../schema/callArgs';
import { broadcastShapes, formatShape } from '../../shapes';
import { fromNumbers, numel, Tensor } from '../../tensor';
import { mapBroadcast, result } from '../access';
import { RefKernelTable } from '../kernel';
import { setOutAs } from './shape';

type A = CallArgs<Tensor>;

function filled(a: A, shape: readonly number[], value: number): void {
  a.setOut('out', fromNumbers(a.outDtype('out'), shape, new Float64Array(numel(shape)).fill(value)));
}

function copyInto(a: A, name: string): void {
  const self = a.tensor('self');
  const src = a.tensor('src');
  if (broadcastShapes(self.shape, src.shape).some((d, i) => d !== self.shape[i]))
    a.fail(`src ${formatShape(src.shape)} does not broadcast to ${formatShape(self.shape)}`);
  a.setOut(
    name,
    result(
      a.outDtype(name),
      self.shape,
      mapBroadcast([src], self.shape, (x) => x),
    ),
  );
}

export const creationKernels: RefKernelTable = {
  'aten::full.out': (a) => filled(a, a.intList('size'), a.scalar('fill_value')),
  'aten::full_like.out': (a) => filled(a, a.tensor('self').shape, a.scalar('fill_value')),
  'aten::zeros.out': (a) => filled(a, a.intList('size'), 0),
  'aten::ones.out': (a) => filled(a, a.intList('size'), 1),
  // Uninitialized memory in ExecuTorch; zeros here so runs are reproducible.
  'aten::empty.out': (a) => filled(a, a.intList('size'), 0),
  'dim_order_ops::_empty_dim_order.out': (a) => filled(a, a.intList('size'), 0),
  'aten::fill.Scalar_out': (a) => filled(a, a.tensor('self').shape, a.scalar('value')),
  'aten::fill.Tensor_out': (a) => {
    const value = a.tensor('value');
    if (value.data.length !== 1) a.fail(`fill value must have one element, got ${formatShape(value.shape)}`);
    filled(a, a.tensor('self').shape, mapBroadcast([value], [], (x) => x)[0]);
  },
  'aten::scalar_tensor.out': (a) => filled(a, [], a.scalar('s')),
  'aten::arange.out': (a) => arange(a, 0, a.scalar('end'), 1),
  'aten::arange.start_out': (a) => arange(a, a.scalar('start'), a.scalar('end'), a.scalar('step')),
  'aten::copy.out': (a) => copyInto(a, 'out'),
  'aten::copy_': (a) => copyInto(a, 'self'),
  'aten::native_dropout.out': (a) => {
    const input = a.tensor('input');
    const p = a.float('p');
    const train = a.optBool('train') ?? true;
    if (train && p > 0) a.fail('dropout in training mode is random; running it would not be reproducible');
    setOutAs(a, 'out0', input);
    a.setOut('out1', fromNumbers(a.outDtype('out1'), input.shape, new Float64Array(input.data.length).fill(1)));
  },
};

function arange(a: A, start: number, end: number, step: number): void {
  if (step === 0) a.fail('step must not be 0');
  if ((end - start) / step < 0) a.fail(`arange(${start}, ${end}, ${step}) has a negative length`);
  const n = Math.ceil((end - start) / step);
  a.setOut(
    'out',
    result(
      a.outDtype('out'),
      [n],
      Array.from({ length: n }, (_, i) => start + i * step),
    ),
  );
}
