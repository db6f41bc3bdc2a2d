import { CallArgs } from '../../schema/callArgs';
import { formatShape, normalizeDim } from '../../shapes';
import { fromNumbers } from '../../tensor';
import { LowerContext } from '../lowerContext';
import { Lowering, LoweringTable } from '../lowering';
import { sym, SymTensor } from '../symTensor';
import { reduce } from './reductions';

type A = CallArgs<SymTensor>;

function softmax(opType: 'Softmax' | 'LogSoftmax'): Lowering {
  return (a, c) => {
    const self = a.tensor('self');
    const x = c.float(self);
    if (self.shape.length === 0)
      return c.out(a, 'out', opType === 'Softmax' ? c.scalar(x.dtype, 1) : c.scalar(x.dtype, 0));
    const axis = normalizeDim(a.int('dim'), self.shape.length);
    c.out(a, 'out', sym(c.g.op(opType, [x.name], { axis }), x.dtype, x.shape));
  };
}

function emptyStat(c: LowerContext, a: A, name: string): void {
  c.out(a, name, c.constant(fromNumbers(a.outDtype(name), [0], [])));
}

/** Broadcasts a per-channel vector [C] against NC… input. */
function perChannel(c: LowerContext, v: SymTensor, rank: number): SymTensor {
  return c.reshape(v, [v.shape[0], ...new Array<number>(Math.max(0, rank - 2)).fill(1)]);
}

/** `(x - mean) · invstd · weight + bias` per channel of NC… input. */
function normalizeChannels(a: A, c: LowerContext, x: SymTensor, mean: SymTensor, invstd: SymTensor): SymTensor {
  const rank = x.shape.length;
  const weight = a.optTensor('weight');
  const bias = a.optTensor('bias');
  let y = c.elementwise(
    'Mul',
    [c.elementwise('Sub', [x, perChannel(c, mean, rank)], x.shape), perChannel(c, invstd, rank)],
    x.shape,
  );
  if (weight) y = c.elementwise('Mul', [y, perChannel(c, c.cast(weight, x.dtype), rank)], x.shape);
  if (bias) y = c.elementwise('Add', [y, perChannel(c, c.cast(bias, x.dtype), rank)], x.shape);
  return y;
}

function invStd(c: LowerContext, variance: SymTensor, eps: number): SymTensor {
  return c.elementwise(
    'Reciprocal',
    [
      c.elementwise(
        'Sqrt',
        [c.elementwise('Add', [variance, c.scalar(variance.dtype, eps)], variance.shape)],
        variance.shape,
      ),
    ],
    variance.shape,
  );
}

/** Per-channel mean and biased variance over every dim but 1. */
function batchStatistics(c: LowerContext, x: SymTensor): { mean: SymTensor; variance: SymTensor } {
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const meanKeep = reduce(c, 'ReduceMean', x, dims, true);
  const diff = c.elementwise('Sub', [x, meanKeep], x.shape);
  const variance = reduce(c, 'ReduceMean', c.elementwise('Mul', [diff, diff], x.shape), dims, false);
  return { mean: c.reshape(meanKeep, [x.shape[1]]), variance };
}

export const normalizationLowerings: LoweringTable = {
  'aten::_softmax.out': softmax('Softmax'),
  'aten::_log_softmax.out': softmax('LogSoftmax'),
  'aten::native_layer_norm.out': (a, c) => {
    const input = a.tensor('input');
    const normalized = a.intList('normalized_shape');
    const rank = input.shape.length;
    if (normalized.length > rank || normalized.some((d, i) => d !== input.shape[rank - normalized.length + i])) {
      a.fail(`normalized_shape ${formatShape(normalized)} does not match the end of input ${formatShape(input.shape)}`);
    }
    const x = c.float(input);
    const dims = normalized.map((_, i) => rank - normalized.length + i);
    const eps = a.float('eps');
    const mean = reduce(c, 'ReduceMean', x, dims, true);
    const diff = c.elementwise('Sub', [x, mean], x.shape);
    const variance = reduce(c, 'ReduceMean', c.elementwise('Mul', [diff, diff], x.shape), dims, true);
    const rstd = invStd(c, variance, eps);
    let y = c.elementwise('Mul', [diff, rstd], x.shape);
    const weight = a.optTensor('weight');
    const bias = a.optTensor('bias');
    if (weight) y = c.elementwise('Mul', [y, c.cast(weight, x.dtype)], x.shape);
    if (bias) y = c.elementwise('Add', [y, c.cast(bias, x.dtype)], x.shape);
    c.out(a, 'out0', y);
    c.out(a, 'out1', mean);
    c.out(a, 'out2', rstd);
  },
  'aten::native_group_norm.out': (a, c) => {
    const input = a.tensor('input');
    const N = a.int('N');
    const C = a.int('C');
    const HxW = a.int('HxW');
    const group = a.int('group');
    if (C % group !== 0 || N * C * HxW !== input.shape.reduce((p, q) => p * q, 1))
      a.fail(`N=${N}, C=${C}, HxW=${HxW}, group=${group} do not fit input ${formatShape(input.shape)}`);
    const x = c.float(input);
    const grouped = c.reshape(x, [N, group, (C / group) * HxW]);
    const mean = reduce(c, 'ReduceMean', grouped, [2], true);
    const diff = c.elementwise('Sub', [grouped, mean], grouped.shape);
    const rstd = invStd(
      c,
      reduce(c, 'ReduceMean', c.elementwise('Mul', [diff, diff], grouped.shape), [2], true),
      a.float('eps'),
    );
    let y = c.reshape(c.elementwise('Mul', [diff, rstd], grouped.shape), [N, C, HxW]);
    const weight = a.optTensor('weight');
    const bias = a.optTensor('bias');
    if (weight) y = c.elementwise('Mul', [y, c.reshape(c.cast(weight, x.dtype), [C, 1])], y.shape);
    if (bias) y = c.elementwise('Add', [y, c.reshape(c.cast(bias, x.dtype), [C, 1])], y.shape);
    c.out(a, 'out0', c.reshape(y, input.shape));
    c.out(a, 'out1', c.reshape(mean, [N, group]));
    c.out(a, 'out2', c.reshape(rstd, [N, group]));
  },
  'aten::_native_batch_norm_legit_no_training.out': (a, c) => {
    const x = c.float(a.tensor('input'));
    const mean = c.cast(a.tensor('running_mean'), x.dtype);
    const variance = c.cast(a.tensor('running_var'), x.dtype);
    c.out(a, 'out0', normalizeChannels(a, c, x, mean, invStd(c, variance, a.float('eps'))));
    emptyStat(c, a, 'out1');
    emptyStat(c, a, 'out2');
  },
  'aten::_native_batch_norm_legit.out': (a, c) => {
    const x = c.float(a.tensor('input'));
    const eps = a.float('eps');
    const runningMean = a.tensor('running_mean');
    const runningVar = a.tensor('running_var');
    if (!a.bool('training')) {
      const invstd = invStd(c, c.cast(runningVar, x.dtype), eps);
      c.out(a, 'out', normalizeChannels(a, c, x, c.cast(runningMean, x.dtype), invstd));
      emptyStat(c, a, 'save_mean');
      emptyStat(c, a, 'save_invstd');
      return;
    }
    const { mean, variance } = batchStatistics(c, x);
    const invstd = invStd(c, variance, eps);
    c.out(a, 'out', normalizeChannels(a, c, x, mean, invstd));
    c.out(a, 'save_mean', mean);
    c.out(a, 'save_invstd', invstd);
    // Training updates the running statistics in place, with the unbiased variance.
    const momentum = a.float('momentum');
    const n = x.shape.reduce((p, q) => p * q, 1) / x.shape[1];
    const blend = (old: SymTensor, fresh: SymTensor) =>
      c.elementwise(
        'Add',
        [
          c.elementwise('Mul', [c.cast(old, x.dtype), c.scalar(x.dtype, 1 - momentum)], old.shape),
          c.elementwise('Mul', [fresh, c.scalar(x.dtype, momentum)], fresh.shape),
        ],
        old.shape,
      );
    a.setOut('running_mean', c.cast(blend(runningMean, mean), runningMean.dtype));
    const unbiased = c.elementwise('Mul', [variance, c.scalar(x.dtype, n / Math.max(n - 1, 1))], variance.shape);
    a.setOut('running_var', c.cast(blend(runningVar, unbiased), runningVar.dtype));
  },
  'aten::_native_batch_norm_legit.no_stats_out': (a, c) => {
    const x = c.float(a.tensor('input'));
    const { mean, variance } = batchStatistics(c, x);
    const invstd = invStd(c, variance, a.float('eps'));
    c.out(a, 'out', normalizeChannels(a, c, x, mean, invstd));
    c.out(a, 'save_mean', mean);
    c.out(a, 'save_invstd', invstd);
  },
};
