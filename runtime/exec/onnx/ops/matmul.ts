import { promoteTypes } from '../../promotion';
import { CallArgs } from '../../schema/callArgs';
import { broadcastShapes, formatShape } from '../../shapes';
import { DType, isFloating } from '../../tensor';
import { arithCompute, LowerContext } from '../lowerContext';
import { LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';

type A = CallArgs<SymTensor>;

function computeType(...ts: SymTensor[]): DType {
  return arithCompute(ts.map((t) => t.dtype).reduce(promoteTypes));
}

/** Shape of numpy-style matmul. */
function matmulShape(a: A, x: readonly number[], y: readonly number[]): number[] {
  const xs = x.length === 1 ? [1, x[0]] : x;
  const ys = y.length === 1 ? [y[0], 1] : y;
  if (xs[xs.length - 1] !== ys[ys.length - 2])
    a.fail(`matrix shapes ${formatShape(x)} and ${formatShape(y)} cannot be multiplied`);
  let shape = [...broadcastShapes(xs.slice(0, -2), ys.slice(0, -2)), xs[xs.length - 2], ys[ys.length - 1]];
  if (x.length === 1) shape = shape.filter((_, i) => i !== shape.length - 2);
  if (y.length === 1) shape = shape.slice(0, -1);
  return shape;
}

/**
 * `x @ y + beta·bias` for 2-D x. When `y` is a transposed weight kept lazy
 * (`permute_copy(W, [1, 0])`), Gemm reads W with transB and the transpose
 * never runs; Gemm also takes the bias. Integers use MatMul + Add.
 */
function gemm(
  c: LowerContext,
  x: SymTensor,
  y: SymTensor,
  bias: SymTensor | null,
  alpha: number,
  beta: number,
  dtype: DType,
): SymTensor {
  const m = x.shape[0];
  const n = y.shape[1];
  if (!isFloating(dtype)) {
    let r = sym(c.g.op('MatMul', [c.cast(x, dtype).name, c.cast(y, dtype).name]), dtype, [m, n]);
    if (alpha !== 1) r = c.elementwise('Mul', [r, c.scalar(dtype, alpha)], r.shape);
    if (bias && beta !== 0)
      r = c.elementwise(
        'Add',
        [r, c.elementwise('Mul', [c.cast(bias, dtype), c.scalar(dtype, beta)], bias.shape)],
        r.shape,
      );
    return r;
  }
  const transB = y.transposeOf !== undefined;
  const b = transB ? c.cast(y.transposeOf!, dtype) : c.cast(y, dtype);
  const inputs = [c.cast(x, dtype).name, b.name];
  if (bias && beta !== 0) inputs.push(c.cast(bias, dtype).name);
  const attrs: Record<string, number | { float: number }> = {};
  if (transB) attrs.transB = 1;
  if (alpha !== 1) attrs.alpha = { float: alpha };
  if (beta !== 1 && bias && beta !== 0) attrs.beta = { float: beta };
  return sym(c.g.op('Gemm', inputs, attrs), dtype, [m, n]);
}

export const matmulLowerings: LoweringTable = {
  'aten::mm.out': (a, c) => {
    const x = a.tensor('self');
    const y = a.tensor('other');
    if (x.shape.length !== 2 || y.shape.length !== 2)
      a.fail(`mm needs 2-D operands, got ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
    matmulShape(a, x.shape, y.shape);
    c.out(a, 'out', gemm(c, x, y, null, 1, 0, computeType(x, y)));
  },
  'aten::addmm.out': (a, c) => {
    const bias = a.tensor('self');
    const x = a.tensor('mat1');
    const y = a.tensor('mat2');
    if (x.shape.length !== 2 || y.shape.length !== 2)
      a.fail(`addmm needs 2-D matrices, got ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
    const shape = matmulShape(a, x.shape, y.shape);
    if (broadcastShapes(bias.shape, shape).some((d, i) => d !== shape[i]))
      a.fail(`self ${formatShape(bias.shape)} does not broadcast to ${formatShape(shape)}`);
    c.out(a, 'out', gemm(c, x, y, bias, a.scalar('alpha'), a.scalar('beta'), computeType(bias, x, y)));
  },
  'aten::bmm.out': (a, c) => {
    const x = a.tensor('self');
    const y = a.tensor('other');
    if (x.shape.length !== 3 || y.shape.length !== 3 || x.shape[0] !== y.shape[0])
      a.fail(`bmm needs 3-D operands with equal batches, got ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
    const dtype = computeType(x, y);
    c.out(
      a,
      'out',
      sym(c.g.op('MatMul', [c.cast(x, dtype).name, c.cast(y, dtype).name]), dtype, matmulShape(a, x.shape, y.shape)),
    );
  },
  'aten::matmul.out': (a, c) => {
    const x = a.tensor('self');
    const y = a.tensor('other');
    const dtype = computeType(x, y);
    c.out(
      a,
      'out',
      sym(c.g.op('MatMul', [c.cast(x, dtype).name, c.cast(y, dtype).name]), dtype, matmulShape(a, x.shape, y.shape)),
    );
  },
  'aten::baddbmm.out': (a, c) => {
    const bias = a.tensor('self');
    const x = a.tensor('batch1');
    const y = a.tensor('batch2');
    const dtype = computeType(bias, x, y);
    const shape = matmulShape(a, x.shape, y.shape);
    let r = sym(c.g.op('MatMul', [c.cast(x, dtype).name, c.cast(y, dtype).name]), dtype, shape);
    const alpha = a.scalar('alpha');
    const beta = a.scalar('beta');
    if (alpha !== 1) r = c.elementwise('Mul', [r, c.scalar(dtype, alpha)], shape);
    if (beta !== 0)
      r = c.elementwise(
        'Add',
        [r, c.elementwise('Mul', [c.cast(bias, dtype), c.scalar(dtype, beta)], bias.shape)],
        shape,
      );
    c.out(a, 'out', r);
  },
  'aten::linear.out': (a, c) => {
    const input = a.tensor('input');
    const weight = a.tensor('weight');
    const bias = a.optTensor('bias');
    if (weight.shape.length !== 2) a.fail(`weight must be 2-D, got ${formatShape(weight.shape)}`);
    const [n, k] = weight.shape;
    if (input.shape[input.shape.length - 1] !== k)
      a.fail(`input ${formatShape(input.shape)} does not fit weight ${formatShape(weight.shape)}`);
    const dtype = computeType(input, weight, ...(bias ? [bias] : []));
    const rows = input.shape.slice(0, -1).reduce((p, q) => p * q, 1);
    const x2 = c.reshape(input, [rows, k]);
    // Gemm with transB reads the weight as stored ([out, in]): no transpose per call.
    const wt: SymTensor = { kind: 'tensor', name: '', dtype: weight.dtype, shape: [k, n], transposeOf: weight };
    const viaTranspose = isFloating(dtype) ? wt : c.transpose(weight, [1, 0]);
    const r = gemm(c, x2, viaTranspose, bias, 1, 1, dtype);
    c.out(a, 'out', c.reshape(r, [...input.shape.slice(0, -1), n]));
  },
};
