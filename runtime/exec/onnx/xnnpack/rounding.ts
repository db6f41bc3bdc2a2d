import { XnnValue } from '../../../format/xnnpack/xnnpackTypes';
import { perTensorParams } from '../../xnnpack/quantization';
import { LowerContext } from '../lowerContext';
import { sym, SymTensor } from '../symTensor';
import { reduce } from '../ops/reductions';

/**
 * Rounds a float32 graph value to what an XNNPACK value of `v`'s datatype
 * holds (the reference interpreter's `roundToDatatype`, as ONNX nodes):
 * half types through a cast, quantized types onto their grid.
 */
export function roundToDatatype(c: LowerContext, v: XnnValue, t: SymTensor): SymTensor {
  switch (v.datatype) {
    case 'fp16':
      return c.cast(c.cast(t, 'float16'), 'float32');
    case 'bf16':
      return c.cast(c.cast(t, 'bfloat16'), 'float32');
    case 'qint8':
    case 'quint8':
    case 'qint32': {
      const { scale, zeroPoint } = perTensorParams(v);
      const [lo, hi] =
        v.datatype === 'qint8' ? [-128, 127] : v.datatype === 'quint8' ? [0, 255] : [-(2 ** 31), 2 ** 31 - 1];
      return grid(
        c,
        t,
        c.scalar('float32', Math.fround(1 / Math.fround(scale))),
        c.scalar('float32', scale),
        c.scalar('float32', zeroPoint),
        lo,
        hi,
      );
    }
    case 'qdint8':
      return dynamicGrid(c, t, v.quantization?.kind === 'perTokenDynamic' ? v.quantization.numNonbatchDims : 1);
    default:
      return t;
  }
}

function grid(
  c: LowerContext,
  t: SymTensor,
  inverse: SymTensor,
  scale: SymTensor,
  zeroPoint: SymTensor,
  lo: number,
  hi: number,
): SymTensor {
  const s = t.shape;
  const q = c.elementwise('Add', [c.elementwise('Round', [c.elementwise('Mul', [t, inverse], s)], s), zeroPoint], s);
  const clipped = sym(c.g.op('Clip', [q.name, c.g.scalar('float32', lo), c.g.scalar('float32', hi)]), 'float32', s);
  return c.elementwise('Mul', [c.elementwise('Sub', [clipped, zeroPoint], s), scale], s);
}

/** XNNPACK's per-row dynamic int8 quantization (asymmetric, zero included in the range). */
function dynamicGrid(c: LowerContext, t: SymTensor, nonBatchDims: number): SymTensor {
  const rank = t.shape.length;
  const dims = Array.from({ length: nonBatchDims }, (_, i) => rank - nonBatchDims + i);
  const k = (v: number) => c.scalar('float32', v);
  const op = (type: string, ...xs: SymTensor[]) =>
    c.elementwise(
      type,
      xs,
      xs.reduce((shape, x) => (x.shape.length > shape.length ? x.shape : shape), [] as number[]),
      type === 'Equal' || type === 'Greater' ? 'bool' : 'float32',
    );
  const rmin = op('Min', reduce(c, 'ReduceMin', t, dims, true), k(0));
  const rmax = op('Max', reduce(c, 'ReduceMax', t, dims, true), k(0));
  const inverse = c.elementwise(
    'Where',
    [op('Equal', rmin, rmax), k(1), op('Div', k(255), op('Sub', rmax, rmin))],
    rmin.shape,
  );
  const dmin = op('Mul', rmin, inverse);
  const dmax = op('Mul', rmax, inverse);
  const fromMin = op('Sub', k(-128), dmin);
  const fromMax = op('Sub', k(127), dmax);
  const useMin = op('Greater', op('Add', op('Add', k(-128), dmin), op('Add', k(127), dmax)), k(0));
  const zero = c.elementwise('Where', [useMin, fromMin, fromMax], rmin.shape);
  const zeroPoint = op(
    'Round',
    sym(c.g.op('Clip', [zero.name, c.g.scalar('float32', -128), c.g.scalar('float32', 127)]), 'float32', zero.shape),
  );
  return grid(c, t, inverse, op('Reciprocal', inverse), zeroPoint, -128, 127);
}
