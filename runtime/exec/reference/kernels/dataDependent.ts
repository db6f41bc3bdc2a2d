import { CallArgs } from '../../schema/callArgs';
import { broadcastShapes, formatShape } from '../../shapes';
import { numel, Tensor } from '../../tensor';
import { broadcastOffsets, gatherElements, numbersOf, result, unravel } from '../access';
import { RefKernelTable } from '../kernel';

type A = CallArgs<Tensor>;

/** The flat positions where `mask`, broadcast to `shape`, is true. */
function truePositions(mask: Tensor, shape: readonly number[]): number[] {
  const m = numbersOf(mask);
  const offsets = broadcastOffsets(mask.shape, shape);
  const positions: number[] = [];
  for (let i = 0; i < numel(shape); i++) if (m[offsets ? offsets[i] : i] !== 0) positions.push(i);
  return positions;
}

function nonzero(a: A): void {
  const self = a.tensor('self');
  const positions = truePositions(self, self.shape);
  const rank = self.shape.length;
  const coords = new Float64Array(positions.length * rank);
  const index = new Array<number>(rank);
  positions.forEach((p, k) => coords.set(unravel(p, self.shape, index), k * rank));
  a.setOut('out', result(a.outDtype('out'), [positions.length, rank], coords));
}

function maskedSelect(a: A): void {
  const self = a.tensor('self');
  const mask = a.tensor('mask');
  const shape = broadcastShapes(self.shape, mask.shape);
  const positions = truePositions(mask, shape);
  const offsets = broadcastOffsets(self.shape, shape);
  const picked = gatherElements(self, [positions.length], (k) => (offsets ? offsets[positions[k]] : positions[k]));
  a.setOut('out', result(a.outDtype('out'), picked.shape, numbersOf(picked)));
}

function maskedScatter(a: A): void {
  const self = a.tensor('self');
  const mask = a.tensor('mask');
  const source = numbersOf(a.tensor('source'));
  const shape = broadcastShapes(self.shape, mask.shape);
  if (shape.some((d, i) => d !== self.shape[i]))
    a.fail(`mask ${formatShape(mask.shape)} does not broadcast to self ${formatShape(self.shape)}`);
  const positions = truePositions(mask, shape);
  if (positions.length > source.length)
    a.fail(`the mask selects ${positions.length} elements, source has ${source.length}`);
  const out = Float64Array.from(numbersOf(self));
  positions.forEach((p, k) => {
    out[p] = source[k];
  });
  a.setOut('out', result(a.outDtype('out'), self.shape, out));
}

/** `repeat_interleave(repeats)`: index i written repeats[i] times. */
function repeatInterleave(a: A): void {
  const repeats = a.tensor('repeats');
  if (repeats.shape.length > 1) a.fail(`repeats must be 0-D or 1-D, got ${formatShape(repeats.shape)}`);
  const r = numbersOf(repeats);
  const out: number[] = [];
  for (let i = 0; i < r.length; i++) {
    if (r[i] < 0) a.fail(`repeats must be non-negative, got ${r[i]} at ${i}`);
    for (let k = 0; k < r[i]; k++) out.push(i);
  }
  const size = a.optInt('output_size');
  if (size !== null && size !== out.length) a.fail(`output_size is ${size}, the repeats add up to ${out.length}`);
  a.setOut('out', result(a.outDtype('out'), [out.length], out));
}

export const dataDependentKernels: RefKernelTable = {
  'aten::nonzero.out': nonzero,
  'aten::masked_select.out': maskedSelect,
  'aten::masked_scatter.out': maskedScatter,
  'aten::repeat_interleave.Tensor_out': repeatInterleave,
};
