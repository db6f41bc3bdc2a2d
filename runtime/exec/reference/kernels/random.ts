import { seededRandom } from '../../randomInputs';
import { CallArgs } from '../../schema/callArgs';
import { numel, Tensor } from '../../tensor';
import { result } from '../access';
import { RefKernelTable } from '../kernel';

type A = CallArgs<Tensor>;

/**
 * ExecuTorch draws from an unseeded generator; here each call site has its
 * own fixed seed (the instruction index), so runs are reproducible. Only
 * the distribution is meaningful, not the values.
 */
function generator(a: A): () => number {
  return seededRandom(0x5eed + a.where.instruction);
}

function uniform(a: A): void {
  const size = a.intList('size');
  const next = generator(a);
  const values = new Float64Array(numel(size));
  for (let i = 0; i < values.length; i++) values[i] = next();
  a.setOut('out', result(a.outDtype('out'), size, values));
}

/** Standard normal values by the Box–Muller transform. */
function normal(a: A): void {
  const size = a.intList('size');
  const next = generator(a);
  const values = new Float64Array(numel(size));
  for (let i = 0; i < values.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    values[i] = radius * Math.cos(angle);
    if (i + 1 < values.length) values[i + 1] = radius * Math.sin(angle);
  }
  a.setOut('out', result(a.outDtype('out'), size, values));
}

export const randomKernels: RefKernelTable = {
  'aten::rand.out': uniform,
  'aten::randn.out': normal,
};
