import { normalizeDim, reducedShape } from '../../shapes';
import { DType, isFloating, numel } from '../../tensor';
import { arithCompute, floatCompute, LowerContext } from '../lowerContext';
import { Lowering, LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';

/** A Reduce* node over `dims` (all when null/empty). */
export function reduce(
  c: LowerContext,
  opType: string,
  x: SymTensor,
  dims: number[] | null,
  keepdim: boolean,
): SymTensor {
  const { shape, dims: axes } = reducedShape(x.shape, dims, keepdim);
  if (x.shape.length === 0) return x;
  const name = c.g.op(opType, [x.name, c.g.i64(axes)], { keepdims: keepdim ? 1 : 0 });
  return sym(name, x.dtype, shape);
}

function reduction(
  opType: string,
  compute: (d: DType, out: DType) => DType,
  dimName: string | null,
  keepdimName: string | null,
): Lowering {
  return (a, c) => {
    const self = a.tensor('self');
    const dims = dimName === null ? null : a.optIntList(dimName);
    const keepdim = keepdimName === null ? false : a.bool(keepdimName);
    if (
      (opType === 'ReduceMax' || opType === 'ReduceMin') &&
      reducedShape(self.shape, dims, keepdim).dims.some((d) => self.shape[d] === 0)
    ) {
      a.fail('cannot reduce over an empty dimension');
    }
    const x = c.cast(self, compute(self.dtype, a.outDtype('out')));
    c.out(a, 'out', reduce(c, opType, x, dims, keepdim));
  };
}

const arith = (d: DType) => arithCompute(d);
const sumType = (d: DType, out: DType) => arithCompute(isFloating(out) ? out : d === 'bool' ? 'int64' : d);
const meanType = (d: DType, out: DType) => floatCompute(isFloating(d) ? d : out);

function anyReduction(dimName: string | null): Lowering {
  return (a, c) => {
    const self = a.tensor('self');
    const dims = dimName === null ? null : a.optIntList(dimName);
    const keepdim = dimName === null ? false : a.bool('keepdim');
    const x = c.cast(c.cast(self, 'bool'), 'int32');
    c.out(a, 'out', c.cast(reduce(c, 'ReduceMax', x, dims, keepdim), 'bool'));
  };
}

function argExtreme(opType: 'ArgMax' | 'ArgMin'): Lowering {
  return (a, c) => {
    const self = a.tensor('self');
    const dim = a.optInt('dim');
    const keepdim = a.bool('keepdim');
    const x = c.cast(self, arithCompute(self.dtype));
    if (dim === null) {
      const flat = c.reshape(x, [numel(x.shape)]);
      const r = sym(c.g.op(opType, [flat.name], { axis: 0, keepdims: 0 }), 'int64', []);
      return c.out(
        a,
        'out',
        keepdim
          ? c.reshape(
              r,
              self.shape.map(() => 1),
            )
          : r,
      );
    }
    if (self.shape.length === 0) return c.out(a, 'out', c.scalar('int64', 0));
    const d = normalizeDim(dim, self.shape.length);
    c.out(
      a,
      'out',
      sym(
        c.g.op(opType, [x.name], { axis: d, keepdims: keepdim ? 1 : 0 }),
        'int64',
        reducedShape(self.shape, [d], keepdim).shape,
      ),
    );
  };
}

function dimExtreme(largest: boolean, valuesName: string, indicesName: string): Lowering {
  return (a, c) => {
    const self = a.tensor('self');
    const keepdim = a.bool('keepdim');
    const x = c.cast(self, arithCompute(self.dtype));
    if (self.shape.length === 0) {
      c.out(a, valuesName, self);
      return c.out(a, indicesName, c.scalar('int64', 0));
    }
    const d = normalizeDim(a.int('dim'), self.shape.length);
    if (self.shape[d] === 0) a.fail('cannot reduce over an empty dimension');
    const shape = reducedShape(self.shape, [d], keepdim).shape;
    c.out(a, valuesName, reduce(c, largest ? 'ReduceMax' : 'ReduceMin', x, [d], keepdim));
    c.out(
      a,
      indicesName,
      sym(c.g.op(largest ? 'ArgMax' : 'ArgMin', [x.name], { axis: d, keepdims: keepdim ? 1 : 0 }), 'int64', shape),
    );
  };
}

/** Variance over `dims` with `correction` (Bessel's for 1), and the mean. */
function variance(
  c: LowerContext,
  x: SymTensor,
  dims: number[] | null,
  keepdim: boolean,
  correction: number,
): { variance: SymTensor; mean: SymTensor } {
  const { dims: axes } = reducedShape(x.shape, dims, keepdim);
  const count = axes.reduce((n, d) => n * x.shape[d], 1);
  const meanKeep = reduce(c, 'ReduceMean', x, dims, true);
  const diff = c.elementwise('Sub', [x, meanKeep], x.shape);
  const sq = c.elementwise('Mul', [diff, diff], x.shape);
  const sum = reduce(c, 'ReduceSum', sq, dims, keepdim);
  const v = c.elementwise('Div', [sum, c.scalar(x.dtype, Math.max(0, count - correction))], sum.shape);
  return { variance: v, mean: keepdim ? meanKeep : c.reshape(meanKeep, sum.shape) };
}

export const reductionLowerings: LoweringTable = {
  'aten::sum.IntList_out': reduction('ReduceSum', sumType, 'dim', 'keepdim'),
  'aten::mean.out': reduction('ReduceMean', meanType, 'dim', 'keepdim'),
  'aten::mean.dtype_out': reduction('ReduceMean', meanType, null, null),
  'aten::prod.int_out': reduction('ReduceProd', sumType, 'dim', 'keepdim'),
  'aten::prod.out': reduction('ReduceProd', sumType, null, null),
  'aten::amax.out': reduction('ReduceMax', arith, 'dim', 'keepdim'),
  'aten::amin.out': reduction('ReduceMin', arith, 'dim', 'keepdim'),
  'aten::max.unary_out': reduction('ReduceMax', arith, null, null),
  'aten::min.unary_out': reduction('ReduceMin', arith, null, null),
  'aten::any.all_out': anyReduction(null),
  'aten::any.dims_out': anyReduction('dim'),
  'aten::any.out': anyReduction('dim'),
  'aten::argmax.out': argExtreme('ArgMax'),
  'aten::argmin.out': argExtreme('ArgMin'),
  'aten::max.dim_max': dimExtreme(true, 'max', 'max_values'),
  'aten::min.dim_min': dimExtreme(false, 'min', 'min_indices'),
  'aten::var.correction_out': (a, c) => {
    const x = c.float(a.tensor('self'));
    c.out(a, 'out', variance(c, x, a.optIntList('dim'), a.bool('keepdim'), a.optScalar('correction') ?? 1).variance);
  },
  'aten::var.out': (a, c) => {
    const x = c.float(a.tensor('self'));
    c.out(a, 'out', variance(c, x, a.optIntList('dim'), a.bool('keepdim'), a.bool('unbiased') ? 1 : 0).variance);
  },
  'aten::var_mean.correction_out': (a, c) => {
    const x = c.float(a.tensor('self'));
    const r = variance(c, x, a.optIntList('dim'), a.bool('keepdim'), a.optScalar('correction') ?? 1);
    c.out(a, 'out0', r.variance);
    c.out(a, 'out1', r.mean);
  },
  'aten::cumsum.out': (a, c) => {
    const self = a.tensor('self');
    const x = c.cast(self, sumType(self.dtype, a.outDtype('out')));
    if (self.shape.length === 0) return c.out(a, 'out', x);
    const d = normalizeDim(a.int('dim'), self.shape.length);
    c.out(a, 'out', sym(c.g.op('CumSum', [x.name, c.g.i64([d])]), x.dtype, x.shape));
  },
  'aten::topk.values': (a, c) => {
    const self = a.tensor('self');
    const k = a.int('k');
    const d = normalizeDim(a.int('dim'), self.shape.length);
    if (k < 0 || k > (self.shape[d] ?? 1)) a.fail(`k = ${k} is out of range for a dimension of size ${self.shape[d]}`);
    const x = c.cast(self, arithCompute(self.dtype));
    const shape = [...self.shape];
    if (shape.length > 0) shape[d] = k;
    const [values, indices] = c.g.node(
      'TopK',
      [x.name, c.g.i64([k])],
      { axis: d, largest: a.bool('largest') ? 1 : 0, sorted: 1 },
      2,
    );
    c.out(a, 'values', sym(values, x.dtype, shape));
    c.out(a, 'indices', sym(indices, 'int64', shape));
  },
};
