import { CallArgs } from '../../schema/callArgs';
import { formatShape, normalizeDim } from '../../shapes';
import { Tensor } from '../../tensor';
import { aroundDim, numbersOf, result } from '../access';
import { RefKernelTable } from '../kernel';

type A = CallArgs<Tensor>;

function softmax(log: boolean) {
  return (a: A) => {
    const self = a.tensor('self');
    const dim = normalizeDim(a.int('dim'), self.shape.length);
    const { outer, size, inner } = aroundDim(self.shape, dim);
    const x = numbersOf(self);
    const out = new Float64Array(x.length);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const at = (k: number) => (o * size + k) * inner + i;
        let max = -Infinity;
        for (let k = 0; k < size; k++) max = Math.max(max, x[at(k)]);
        let sum = 0;
        for (let k = 0; k < size; k++) sum += Math.exp(x[at(k)] - max);
        for (let k = 0; k < size; k++)
          out[at(k)] = log ? x[at(k)] - max - Math.log(sum) : Math.exp(x[at(k)] - max) / sum;
      }
    }
    a.setOut('out', result(a.outDtype('out'), self.shape, out));
  };
}

/** Normalizes groups of `count` consecutive elements; returns per-group mean and 1/sqrt(var+eps). */
function normalizeGroups(
  x: ArrayLike<number>,
  groups: number,
  count: number,
  eps: number,
  out: Float64Array,
): { mean: Float64Array; rstd: Float64Array } {
  const mean = new Float64Array(groups);
  const rstd = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    let sum = 0;
    for (let i = 0; i < count; i++) sum += x[g * count + i];
    const m = count > 0 ? sum / count : 0;
    let sq = 0;
    for (let i = 0; i < count; i++) sq += (x[g * count + i] - m) ** 2;
    const r = 1 / Math.sqrt((count > 0 ? sq / count : 0) + eps);
    for (let i = 0; i < count; i++) out[g * count + i] = (x[g * count + i] - m) * r;
    mean[g] = m;
    rstd[g] = r;
  }
  return { mean, rstd };
}

function batchNorm(a: A, input: Tensor, mean: ArrayLike<number>, invstd: ArrayLike<number>): Float64Array {
  const weight = a.optTensor('weight');
  const bias = a.optTensor('bias');
  const C = input.shape.length > 1 ? input.shape[1] : 1;
  const { outer, inner } = aroundDim(input.shape, input.shape.length > 1 ? 1 : 0);
  const x = numbersOf(input);
  const w = weight ? numbersOf(weight) : null;
  const b = bias ? numbersOf(bias) : null;
  const out = new Float64Array(x.length);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < C; c++) {
      const scale = invstd[c] * (w ? w[c] : 1);
      const shift = (b ? b[c] : 0) - mean[c] * scale;
      for (let i = 0; i < inner; i++) out[(o * C + c) * inner + i] = x[(o * C + c) * inner + i] * scale + shift;
    }
  }
  return out;
}

/** Per-channel batch statistics of NC… input: mean and biased variance. */
function batchStatistics(input: Tensor): { mean: Float64Array; variance: Float64Array } {
  const C = input.shape[1];
  const { outer, inner } = aroundDim(input.shape, 1);
  const x = numbersOf(input);
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  const n = outer * inner;
  for (let c = 0; c < C; c++) {
    let sum = 0;
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) sum += x[(o * C + c) * inner + i];
    mean[c] = sum / n;
    let sq = 0;
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) sq += (x[(o * C + c) * inner + i] - mean[c]) ** 2;
    variance[c] = sq / n;
  }
  return { mean, variance };
}

export const normalizationKernels: RefKernelTable = {
  'aten::_softmax.out': softmax(false),
  'aten::_log_softmax.out': softmax(true),
  'aten::native_layer_norm.out': (a) => {
    const input = a.tensor('input');
    const normalized = a.intList('normalized_shape');
    const rank = input.shape.length;
    if (normalized.length > rank || normalized.some((d, i) => d !== input.shape[rank - normalized.length + i])) {
      a.fail(`normalized_shape ${formatShape(normalized)} does not match the end of input ${formatShape(input.shape)}`);
    }
    const count = normalized.reduce((p, q) => p * q, 1);
    const groups = count === 0 ? 0 : input.data.length / count;
    const out = new Float64Array(input.data.length);
    const { mean, rstd } = normalizeGroups(numbersOf(input), groups, count, a.float('eps'), out);
    const weight = a.optTensor('weight');
    const bias = a.optTensor('bias');
    const w = weight ? numbersOf(weight) : null;
    const b = bias ? numbersOf(bias) : null;
    for (let g = 0; g < groups; g++) {
      for (let i = 0; i < count; i++) out[g * count + i] = out[g * count + i] * (w ? w[i] : 1) + (b ? b[i] : 0);
    }
    const statShape = [...input.shape.slice(0, rank - normalized.length), ...normalized.map(() => 1)];
    a.setOut('out0', result(a.outDtype('out0'), input.shape, out));
    a.setOut('out1', result(a.outDtype('out1'), statShape, mean));
    a.setOut('out2', result(a.outDtype('out2'), statShape, rstd));
  },
  'aten::native_group_norm.out': (a) => {
    const input = a.tensor('input');
    const N = a.int('N');
    const C = a.int('C');
    const HxW = a.int('HxW');
    const group = a.int('group');
    if (C % group !== 0 || N * C * HxW !== input.data.length)
      a.fail(`N=${N}, C=${C}, HxW=${HxW}, group=${group} do not fit input ${formatShape(input.shape)}`);
    const perGroup = (C / group) * HxW;
    const out = new Float64Array(input.data.length);
    const { mean, rstd } = normalizeGroups(numbersOf(input), N * group, perGroup, a.float('eps'), out);
    const weight = a.optTensor('weight');
    const bias = a.optTensor('bias');
    const w = weight ? numbersOf(weight) : null;
    const b = bias ? numbersOf(bias) : null;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        for (let i = 0; i < HxW; i++) {
          const at = (n * C + c) * HxW + i;
          out[at] = out[at] * (w ? w[c] : 1) + (b ? b[c] : 0);
        }
      }
    }
    a.setOut('out0', result(a.outDtype('out0'), input.shape, out));
    a.setOut('out1', result(a.outDtype('out1'), [N, group], mean));
    a.setOut('out2', result(a.outDtype('out2'), [N, group], rstd));
  },
  'aten::_native_batch_norm_legit_no_training.out': (a) => {
    const input = a.tensor('input');
    const mean = numbersOf(a.tensor('running_mean'));
    const variance = numbersOf(a.tensor('running_var'));
    const eps = a.float('eps');
    const invstd = Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
    a.setOut('out0', result(a.outDtype('out0'), input.shape, batchNorm(a, input, mean, invstd)));
    a.setOut('out1', result(a.outDtype('out1'), [0], []));
    a.setOut('out2', result(a.outDtype('out2'), [0], []));
  },
  'aten::_native_batch_norm_legit.out': (a) => {
    const input = a.tensor('input');
    const eps = a.float('eps');
    if (!a.bool('training')) {
      const mean = numbersOf(a.tensor('running_mean'));
      const invstd = Array.from(numbersOf(a.tensor('running_var')), (v) => 1 / Math.sqrt(v + eps));
      a.setOut('out', result(a.outDtype('out'), input.shape, batchNorm(a, input, mean, invstd)));
      a.setOut('save_mean', result(a.outDtype('save_mean'), [0], []));
      a.setOut('save_invstd', result(a.outDtype('save_invstd'), [0], []));
      return;
    }
    const { mean, variance } = batchStatistics(input);
    const invstd = Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
    a.setOut('out', result(a.outDtype('out'), input.shape, batchNorm(a, input, mean, invstd)));
    a.setOut('save_mean', result(a.outDtype('save_mean'), [mean.length], mean));
    a.setOut('save_invstd', result(a.outDtype('save_invstd'), [mean.length], invstd));
    // Training mode also updates the running statistics in place (unbiased variance).
    const momentum = a.float('momentum');
    const runningMean = a.tensor('running_mean');
    const runningVar = a.tensor('running_var');
    const n = input.data.length / mean.length;
    const rm = numbersOf(runningMean);
    const rv = numbersOf(runningVar);
    a.setOut(
      'running_mean',
      result(
        runningMean.dtype,
        runningMean.shape,
        Array.from(rm, (v, c) => (1 - momentum) * v + momentum * mean[c]),
      ),
    );
    a.setOut(
      'running_var',
      result(
        runningVar.dtype,
        runningVar.shape,
        Array.from(rv, (v, c) => (1 - momentum) * v + momentum * variance[c] * (n / Math.max(n - 1, 1))),
      ),
    );
  },
  'aten::_native_batch_norm_legit.no_stats_out': (a) => {
    const input = a.tensor('input');
    const { mean, variance } = batchStatistics(input);
    const eps = a.float('eps');
    const invstd = Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
    a.setOut('out', result(a.outDtype('out'), input.shape, batchNorm(a, input, mean, invstd)));
    a.setOut('save_mean', result(a.outDtype('save_mean'), [mean.length], mean));
    a.setOut('save_invstd', result(a.outDtype('save_invstd'), [mean.length], invstd));
  },
};
