import { CallArgs } from '../../schema/callArgs';
import { normalizeDim, reducedShape } from '../../shapes';
import { contiguousStrides, numel, Tensor } from '../../tensor';
import { aroundDim, numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';

type A = CallArgs<Tensor>;

/** For each input element (row-major), the flat index of the output element it reduces into. */
function reductionTargets(
  shape: readonly number[],
  dims: readonly number[],
): { offsets: Int32Array; outCount: number } {
  const reduced = new Set(dims);
  const keptShape = shape.map((d, i) => (reduced.has(i) ? 1 : d));
  const keptStrides = contiguousStrides(keptShape).map((s, i) => (reduced.has(i) ? 0 : s));
  const n = numel(shape);
  const offsets = new Int32Array(n);
  const index = new Array<number>(shape.length).fill(0);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = offset;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d]++;
      offset += keptStrides[d];
      if (index[d] < shape[d]) break;
      offset -= keptStrides[d] * shape[d];
      index[d] = 0;
    }
  }
  return { offsets, outCount: numel(keptShape) };
}

interface Reduction {
  init: number;
  step: (acc: number, x: number) => number;
  finish?: (acc: number, count: number) => number;
}

const SUM: Reduction = { init: 0, step: (acc, x) => acc + x };
const MEAN: Reduction = { init: 0, step: (acc, x) => acc + x, finish: (acc, n) => acc / n };
const PROD: Reduction = { init: 1, step: (acc, x) => acc * x };
const MAX: Reduction = {
  init: -Infinity,
  step: (acc, x) => (Number.isNaN(acc) || x > acc || Number.isNaN(x) ? x : acc),
};
const MIN: Reduction = {
  init: Infinity,
  step: (acc, x) => (Number.isNaN(acc) || x < acc || Number.isNaN(x) ? x : acc),
};
const ANY: Reduction = { init: 0, step: (acc, x) => (acc !== 0 || x !== 0 ? 1 : 0) };

export function reduceValues(
  t: Tensor,
  dims: number[] | null,
  keepdim: boolean,
  r: Reduction,
): { shape: number[]; values: Float64Array } {
  const { shape, dims: reduceDims } = reducedShape(t.shape, dims, keepdim);
  const { offsets, outCount } = reductionTargets(t.shape, reduceDims);
  const x = numbersOf(t);
  const acc = new Float64Array(outCount).fill(r.init);
  for (let i = 0; i < x.length; i++) acc[offsets[i]] = r.step(acc[offsets[i]], x[i]);
  const count = outCount === 0 ? 0 : x.length / outCount;
  if (r.finish) for (let i = 0; i < outCount; i++) acc[i] = r.finish(acc[i], count);
  return { shape, values: acc };
}

function reduction(r: Reduction, dimName: string | null, keepdimName: string | null) {
  return (a: A) => {
    const self = a.tensor('self');
    const dims = dimName === null ? null : a.optIntList(dimName);
    const keepdim = keepdimName === null ? false : a.bool(keepdimName);
    if (r === MAX || r === MIN) {
      const reduceDims = dims === null || dims.length === 0 ? self.shape.map((_, i) => i) : dims;
      if (reduceDims.some((d) => self.shape[normalizeDim(d, self.shape.length)] === 0))
        a.fail('cannot reduce over an empty dimension');
    }
    const { shape, values } = reduceValues(self, dims, keepdim, r);
    a.setOut('out', result(a.outDtype('out'), shape, values));
  };
}

function variance(
  t: Tensor,
  dims: number[] | null,
  keepdim: boolean,
  correction: number,
): { shape: number[]; mean: Float64Array; variance: Float64Array } {
  const { shape, values: mean } = reduceValues(t, dims, keepdim, MEAN);
  const { dims: reduceDims } = reducedShape(t.shape, dims, keepdim);
  const { offsets, outCount } = reductionTargets(t.shape, reduceDims);
  const x = numbersOf(t);
  const sq = new Float64Array(outCount);
  for (let i = 0; i < x.length; i++) {
    const d = x[i] - mean[offsets[i]];
    sq[offsets[i]] += d * d;
  }
  const n = outCount === 0 ? 0 : x.length / outCount;
  for (let i = 0; i < outCount; i++) sq[i] /= Math.max(0, n - correction);
  return { shape, mean, variance: sq };
}

/** Index of the extreme along `dim`: first occurrence; NaN counts as the extreme. */
function argExtreme(
  t: Tensor,
  dim: number,
  keepdim: boolean,
  largest: boolean,
): { shape: number[]; values: Float64Array; indices: Float64Array } {
  const { outer, size, inner } = aroundDim(t.shape, dim);
  const x = numbersOf(t);
  const values = new Float64Array(outer * inner);
  const indices = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = NaN;
      let bestIndex = -1;
      for (let k = 0; k < size; k++) {
        const v = x[(o * size + k) * inner + i];
        if (bestIndex < 0 || (!Number.isNaN(best) && (Number.isNaN(v) || (largest ? v > best : v < best)))) {
          best = v;
          bestIndex = k;
        }
      }
      values[o * inner + i] = best;
      indices[o * inner + i] = bestIndex;
    }
  }
  const shape = t.shape.length === 0 ? [] : reducedShape(t.shape, [dim], keepdim).shape;
  return { shape, values, indices };
}

function argKernel(largest: boolean) {
  return (a: A) => {
    const self = a.tensor('self');
    const dim = a.optInt('dim');
    const keepdim = a.bool('keepdim');
    if (numel(self.shape) === 0) a.fail('cannot take the arg of an empty tensor');
    if (dim === null) {
      const flat = { ...self, shape: [numel(self.shape)] };
      const r = argExtreme(flat, 0, false, largest);
      a.setOut('out', result(a.outDtype('out'), keepdim ? self.shape.map(() => 1) : [], r.indices));
      return;
    }
    const r = argExtreme(self, normalizeDim(dim, self.shape.length), keepdim, largest);
    a.setOut('out', result(a.outDtype('out'), r.shape, r.indices));
  };
}

function dimExtreme(largest: boolean, valuesName: string, indicesName: string) {
  return (a: A) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    if (self.shape.length > 0 && self.shape[dim] === 0) a.fail('cannot reduce over an empty dimension');
    const r = argExtreme(self, dim, a.bool('keepdim'), largest);
    a.setOut(valuesName, result(a.outDtype(valuesName), r.shape, r.values));
    a.setOut(indicesName, result(a.outDtype(indicesName), r.shape, r.indices));
  };
}

export const reductionKernels: RefKernelTable = {
  'aten::sum.IntList_out': reduction(SUM, 'dim', 'keepdim'),
  'aten::mean.out': reduction(MEAN, 'dim', 'keepdim'),
  'aten::mean.dtype_out': reduction(MEAN, null, null),
  'aten::prod.int_out': reduction(PROD, 'dim', 'keepdim'),
  'aten::prod.out': reduction(PROD, null, null),
  'aten::amax.out': reduction(MAX, 'dim', 'keepdim'),
  'aten::amin.out': reduction(MIN, 'dim', 'keepdim'),
  'aten::max.unary_out': reduction(MAX, null, null),
  'aten::min.unary_out': reduction(MIN, null, null),
  'aten::any.all_out': reduction(ANY, null, null),
  'aten::any.dims_out': reduction(ANY, 'dim', 'keepdim'),
  'aten::any.out': reduction(ANY, 'dim', 'keepdim'),
  'aten::argmax.out': argKernel(true),
  'aten::argmin.out': argKernel(false),
  'aten::max.dim_max': dimExtreme(true, 'max', 'max_values'),
  'aten::min.dim_min': dimExtreme(false, 'min', 'min_indices'),
  'aten::var.correction_out': (a) => {
    const self = a.tensor('self');
    const r = variance(self, a.optIntList('dim'), a.bool('keepdim'), a.optScalar('correction') ?? 1);
    a.setOut('out', result(a.outDtype('out'), r.shape, r.variance));
  },
  'aten::var.out': (a) => {
    const self = a.tensor('self');
    const r = variance(self, a.optIntList('dim'), a.bool('keepdim'), a.bool('unbiased') ? 1 : 0);
    a.setOut('out', result(a.outDtype('out'), r.shape, r.variance));
  },
  'aten::var_mean.correction_out': (a) => {
    const self = a.tensor('self');
    const r = variance(self, a.optIntList('dim'), a.bool('keepdim'), a.optScalar('correction') ?? 1);
    a.setOut('out0', result(a.outDtype('out0'), r.shape, r.variance));
    a.setOut('out1', result(a.outDtype('out1'), r.shape, r.mean));
  },
  'aten::cumsum.out': (a) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const { outer, size, inner } = aroundDim(self.shape, dim);
    const x = numbersOf(self);
    const out = new Float64Array(x.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let acc = 0;
        for (let k = 0; k < size; k++) {
          const at = (o * size + k) * inner + i;
          acc += x[at];
          out[at] = acc;
        }
      }
    }
    a.setOut('out', result(a.outDtype('out'), self.shape, out));
  },
  'aten::topk.values': (a) => {
    const self = a.tensor('self');
    const k = a.int('k');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const largest = a.bool('largest');
    const { outer, size, inner } = aroundDim(self.shape, dim);
    if (k < 0 || k > size) a.fail(`k = ${k} is out of range for a dimension of size ${size}`);
    const x = numbersOf(self);
    const shape = [...self.shape];
    if (shape.length > 0) shape[dim] = k;
    const values = new Float64Array(outer * k * inner);
    const indices = new Float64Array(outer * k * inner);
    const order = new Array<number>(size);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (j: number) => x[(o * size + j) * inner + i];
        for (let j = 0; j < size; j++) order[j] = j;
        // NaN sorts as the largest value; ties keep the lower index first.
        const key = (j: number) => (Number.isNaN(at(j)) ? Infinity : at(j));
        order.sort((p, q) => {
          const d = largest ? key(q) - key(p) : key(p) - key(q);
          return d !== 0 && !Number.isNaN(d) ? d : p - q;
        });
        for (let j = 0; j < k; j++) {
          values[(o * k + j) * inner + i] = at(order[j]);
          indices[(o * k + j) * inner + i] = order[j];
        }
      }
    }
    a.setOut('values', result(a.outDtype('values'), shape, values));
    a.setOut('indices', result(a.outDtype('indices'), shape, indices));
  },
};
