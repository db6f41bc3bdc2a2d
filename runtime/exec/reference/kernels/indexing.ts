import { CallArgs } from '../../schema/callArgs';
import { broadcastShapes, formatShape, normalizeDim } from '../../shapes';
import { castTensor, contiguousStrides, numel, Tensor, zeros } from '../../tensor';
import { aroundDim, broadcastOffsets, mapBroadcast, numbersOf, result, unravel } from '../access';
import { RefKernelTable } from '../kernel';
import { setOutAs } from './shape';

type A = CallArgs<Tensor>;
type Cells = { [i: number]: number | bigint };

/**
 * Advanced indexing (`self[indices]` with tensors and None): which element
 * of `self` each element of the result reads. Boolean masks become the
 * index tensors of their true positions.
 */
export function advancedIndex(a: A, self: Tensor, indices: (Tensor | null)[]): { shape: number[]; source: Int32Array } {
  const perDim: (ArrayLike<number> | null)[] = [];
  const perDimShape: (number[] | null)[] = [];
  for (const t of indices) {
    if (t === null) {
      perDim.push(null);
      perDimShape.push(null);
    } else if (t.dtype === 'bool' || t.dtype === 'uint8') {
      // A mask over the next t.shape.length dims: one index tensor per dim of its true positions.
      const dimsCovered = t.shape.length;
      const base = perDim.length;
      const mask = numbersOf(t);
      const coords: number[][] = Array.from({ length: dimsCovered }, () => []);
      const idx = new Array<number>(dimsCovered);
      for (let i = 0; i < mask.length; i++) {
        if (mask[i] === 0) continue;
        unravel(i, t.shape, idx);
        idx.forEach((v, k) => coords[k].push(v));
      }
      for (let k = 0; k < dimsCovered; k++) {
        if (t.shape[k] !== self.shape[base + k])
          a.fail(`mask ${formatShape(t.shape)} does not match self ${formatShape(self.shape)} at dim ${base + k}`);
        perDim.push(coords[k]);
        perDimShape.push([coords[k].length]);
      }
    } else {
      perDim.push(numbersOf(t));
      perDimShape.push(t.shape);
    }
  }
  if (perDim.length > self.shape.length) a.fail(`${perDim.length} indices for a tensor of rank ${self.shape.length}`);
  while (perDim.length < self.shape.length) {
    perDim.push(null);
    perDimShape.push(null);
  }
  const indexed = perDim.flatMap((p, i) => (p ? [i] : []));
  if (indexed.length === 0)
    return { shape: [...self.shape], source: Int32Array.from({ length: numel(self.shape) }, (_, i) => i) };
  const B = broadcastShapes(...indexed.map((d) => perDimShape[d]!));
  const consecutive = indexed[indexed.length - 1] - indexed[0] === indexed.length - 1;
  const rest = self.shape.map((_, i) => i).filter((i) => !perDim[i]);
  const before = consecutive ? rest.filter((i) => i < indexed[0]) : [];
  const after = consecutive ? rest.filter((i) => i > indexed[0]) : rest;
  const shape = [...before.map((i) => self.shape[i]), ...B, ...after.map((i) => self.shape[i])];
  const strides = contiguousStrides(self.shape);
  const offsets = indexed.map((d) => broadcastOffsets(perDimShape[d]!, B));
  const n = numel(shape);
  const source = new Int32Array(n);
  const coord = new Array<number>(shape.length);
  for (let i = 0; i < n; i++) {
    unravel(i, shape, coord);
    let at = 0;
    before.forEach((d, k) => {
      at += coord[k] * strides[d];
    });
    let b = 0;
    for (let k = 0; k < B.length; k++) b = b * B[k] + coord[before.length + k];
    indexed.forEach((d, k) => {
      let v = perDim[d]![offsets[k] ? offsets[k]![b] : b];
      if (v < -self.shape[d] || v >= self.shape[d])
        a.fail(`index ${v} is out of range for dimension ${d} of size ${self.shape[d]}`);
      if (v < 0) v += self.shape[d];
      at += v * strides[d];
    });
    after.forEach((d, k) => {
      at += coord[before.length + B.length + k] * strides[d];
    });
    source[i] = at;
  }
  return { shape, source };
}

function checkIndex(a: A, v: number, size: number, what: string): number {
  if (!Number.isInteger(v) || v < -size || v >= size) a.fail(`${what} ${v} is out of range for size ${size}`);
  return v < 0 ? v + size : v;
}

/** Writes `src` values into `out` along `dim` at positions from `index` (gather's inverse). */
function scatterInto(
  a: A,
  out: Tensor,
  dim: number,
  index: Tensor,
  value: (i: number) => number,
  accumulate: boolean,
): void {
  const idx = numbersOf(index);
  const outValues = Float64Array.from(numbersOf(out));
  const strides = contiguousStrides(out.shape);
  const coord = new Array<number>(index.shape.length);
  for (let i = 0; i < idx.length; i++) {
    unravel(i, index.shape, coord);
    let at = 0;
    for (let k = 0; k < coord.length; k++)
      at += (k === dim ? checkIndex(a, idx[i], out.shape[dim], 'index') : coord[k]) * strides[k];
    outValues[at] = accumulate ? outValues[at] + value(i) : value(i);
  }
  a.setOut('out', result(out.dtype, out.shape, outValues));
}

function scatterKernel(kind: 'src' | 'value' | 'add') {
  return (a: A) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const index = a.tensor('index');
    const base = castTensor(self, a.outDtype('out'));
    if (kind === 'value') {
      const v = a.scalar('value');
      scatterInto(a, base, dim, index, () => v, false);
      return;
    }
    const src = a.tensor('src');
    const srcValues = numbersOf(src);
    const srcStrides = contiguousStrides(src.shape);
    const coord = new Array<number>(index.shape.length);
    scatterInto(
      a,
      base,
      dim,
      index,
      (i) => {
        unravel(i, index.shape, coord);
        return srcValues[coord.reduce((acc, c, k) => acc + c * srcStrides[k], 0)];
      },
      kind === 'add',
    );
  };
}

export const indexingKernels: RefKernelTable = {
  'aten::index.Tensor_out': (a) => {
    const self = a.tensor('self');
    const { shape, source } = advancedIndex(a, self, a.tensorList('indices'));
    const out = zeros(self.dtype, shape);
    const s = self.data as unknown as Cells;
    const d = out.data as unknown as Cells;
    for (let i = 0; i < out.data.length; i++) d[i] = s[source[i]];
    setOutAs(a, 'out', out);
  },
  'aten::index_put.out': indexPut,
  'aten::index_put_': indexPut,
  'aten::index_select.out': (a) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const index = numbersOf(a.tensor('index'));
    const { outer, size, inner } = aroundDim(self.shape, dim);
    const shape = self.shape.length === 0 ? [] : [...self.shape];
    if (shape.length > 0) shape[dim] = index.length;
    const out = zeros(self.dtype, shape);
    const s = self.data as unknown as Cells;
    const d = out.data as unknown as Cells;
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < index.length; k++) {
        const j = checkIndex(a, index[k], size, 'index');
        for (let i = 0; i < inner; i++) d[(o * index.length + k) * inner + i] = s[(o * size + j) * inner + i];
      }
    }
    setOutAs(a, 'out', out);
  },
  'aten::gather.out': (a) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const index = a.tensor('index');
    const idx = numbersOf(index);
    const strides = contiguousStrides(self.shape);
    const out = zeros(self.dtype, index.shape);
    const s = self.data as unknown as Cells;
    const d = out.data as unknown as Cells;
    const coord = new Array<number>(index.shape.length);
    for (let i = 0; i < idx.length; i++) {
      unravel(i, index.shape, coord);
      let at = 0;
      for (let k = 0; k < coord.length; k++)
        at += (k === dim ? checkIndex(a, idx[i], self.shape[dim], 'index') : coord[k]) * strides[k];
      d[i] = s[at];
    }
    setOutAs(a, 'out', out);
  },
  'aten::scatter.src_out': scatterKernel('src'),
  'aten::scatter.value_out': scatterKernel('value'),
  'aten::scatter_add.out': scatterKernel('add'),
  'aten::embedding.out': (a) => {
    const weight = a.tensor('weight');
    const indices = a.tensor('indices');
    if (weight.shape.length !== 2) a.fail(`weight must be 2-D, got ${formatShape(weight.shape)}`);
    const [rows, width] = weight.shape;
    const idx = numbersOf(indices);
    const out = zeros(weight.dtype, [...indices.shape, width]);
    const s = weight.data as unknown as Cells;
    const d = out.data as unknown as Cells;
    for (let i = 0; i < idx.length; i++) {
      const row = checkIndex(a, idx[i], rows, 'index');
      for (let j = 0; j < width; j++) d[i * width + j] = s[row * width + j];
    }
    setOutAs(a, 'out', out);
  },
};

function indexPut(a: A): void {
  const self = a.tensor('self');
  const values = a.tensor('values');
  const accumulate = a.bool('accumulate');
  const { shape, source } = advancedIndex(a, self, a.tensorList('indices'));
  const v = mapBroadcast([values], shape, (x) => x);
  if (broadcastShapes(values.shape, shape).some((d, i) => d !== shape[i]))
    a.fail(`values ${formatShape(values.shape)} do not broadcast to ${formatShape(shape)}`);
  const name = a.schema.args.some((x) => x.name === 'out') ? 'out' : 'self';
  const dtype = a.outDtype(name);
  const out = Float64Array.from(numbersOf(self));
  for (let i = 0; i < source.length; i++) out[source[i]] = accumulate ? out[source[i]] + v[i] : v[i];
  a.setOut(name, result(dtype, self.shape, out));
}
