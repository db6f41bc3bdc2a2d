import * as assert from 'node:assert/strict';
import { fromNumbers } from '../../runtime/exec/tensor';
import { stepSummary } from '../../runtime/view/run/runReport';
import {
  heatmap,
  heatmapDims,
  HISTOGRAM_BINS,
  TABLE_LIMIT,
  tensorView,
  valueView,
} from '../../runtime/view/run/valueView';
import { numberHistogram, numberStats } from '../../runtime/view/tensorStats';

/** The run view's host-side formatting: statistics, histogram bins, heat map reduction, tables. */
describe('run view values', () => {
  it('counts NaN and ±Inf apart and gives population statistics of the finite values', () => {
    const s = numberStats([1, 2, 3, 4, NaN, Infinity, -Infinity]);
    assert.deepEqual(
      {
        count: s.count,
        finite: s.finite,
        nan: s.nan,
        posInf: s.posInf,
        negInf: s.negInf,
        min: s.min,
        max: s.max,
        mean: s.mean,
      },
      { count: 7, finite: 4, nan: 1, posInf: 1, negInf: 1, min: 1, max: 4, mean: 2.5 },
    );
    // torch.tensor([1., 2., 3., 4.]).std(unbiased=False) = sqrt(1.25)
    assert.ok(Math.abs(s.std! - Math.sqrt(1.25)) < 1e-12);
    assert.deepEqual(numberStats([NaN]).min, null);
  });

  it('bins values into equal bins over [min, max] with max in the last bin', () => {
    const values = [0, 0.1, 0.25, 0.5, 0.74, 0.75, 1, NaN];
    const h = numberHistogram(values, numberStats(values), 4)!;
    // bins [0, .25) [.25, .5) [.5, .75) [.75, 1]
    assert.deepEqual(h.counts, [2, 1, 2, 2]);
    assert.equal(h.min, 0);
    assert.equal(h.max, 1);
    assert.deepEqual(numberHistogram([5, 5, 5], numberStats([5, 5, 5]), 3)!.counts, [3, 0, 0]);
    assert.equal(numberHistogram([NaN], numberStats([NaN]), HISTOGRAM_BINS), null);
  });

  it('shows heat maps for matrices once leading 1s are dropped', () => {
    assert.deepEqual(heatmapDims([2, 4096]), [2, 4096]);
    assert.deepEqual(heatmapDims([1, 1, 3, 5]), [3, 5]);
    assert.equal(heatmapDims([1, 64, 56, 56]), null);
    assert.equal(heatmapDims([1, 8]), null);
    assert.equal(heatmapDims([]), null);
  });

  it('reduces a large matrix to block means', () => {
    // 4×6 → 2×3 cells, each the mean of a 2×2 block
    const values = Array.from({ length: 24 }, (_, i) => i);
    const m = heatmap(values, 4, 6, 2, 3);
    assert.equal(m.rows, 2);
    assert.equal(m.cols, 3);
    assert.deepEqual(m.values, [
      (0 + 1 + 6 + 7) / 4,
      (2 + 3 + 8 + 9) / 4,
      (4 + 5 + 10 + 11) / 4,
      (12 + 13 + 18 + 19) / 4,
      (14 + 15 + 20 + 21) / 4,
      (16 + 17 + 22 + 23) / 4,
    ]);
    assert.equal(m.min, 3.5);
    assert.equal(m.max, 19.5);
    assert.equal(m.sourceRows, 4);
    const small = heatmap([1, NaN, 3, 4], 2, 2);
    assert.ok(Number.isNaN(small.values[1]));
    assert.equal(small.min, 1);
  });

  it('tabulates small tensors and summarises large ones', () => {
    const small = tensorView(fromNumbers('float32', [2, 3], [1, 2.5, -3, 0, 1e-7, 6]));
    assert.equal(small.kind, 'tensor');
    if (small.kind !== 'tensor') return;
    assert.deepEqual(small.values, ['1', '2.5', '-3', '0', '1.0000e-7', '6']);
    assert.equal(small.histogram, null);
    assert.equal(small.heatmap?.rows, 2);

    const n = TABLE_LIMIT + 1;
    const large = tensorView(
      fromNumbers(
        'float32',
        [n],
        Array.from({ length: n }, (_, i) => i),
      ),
    );
    if (large.kind !== 'tensor') return assert.fail();
    assert.equal(large.values, null);
    assert.equal(
      large.histogram!.counts.reduce((a, b) => a + b, 0),
      n,
    );
    assert.equal(large.stats!.max, n - 1);
    assert.equal(large.heatmap, null);

    const ints = tensorView(fromNumbers('int64', [2], [2 ** 40, -3]));
    if (ints.kind !== 'tensor') return assert.fail();
    assert.deepEqual(ints.values, ['1099511627776', '-3']);
    const bools = tensorView(fromNumbers('bool', [2], [1, 0]));
    if (bools.kind !== 'tensor') return assert.fail();
    assert.deepEqual(bools.values, ['true', 'false']);
  });

  it("keeps ExecuTorch's output structure for scalars and lists", () => {
    assert.deepEqual(valueView({ kind: 'int', value: 128 }), { kind: 'int', text: '128' });
    assert.deepEqual(valueView({ kind: 'double', value: 2 }), { kind: 'double', text: '2.0' });
    assert.deepEqual(valueView({ kind: 'bool', value: true }), { kind: 'bool', text: 'true' });
    assert.deepEqual(valueView({ kind: 'none' }), { kind: 'none', text: 'None' });
    const list = valueView({ kind: 'list', items: [{ kind: 'int', value: 1 }, { kind: 'none' }] });
    assert.deepEqual(list, {
      kind: 'list',
      items: [
        { kind: 'int', text: '1' },
        { kind: 'none', text: 'None' },
      ],
    });
  });
});

describe('run view intermediates', () => {
  it('summarises what an instruction wrote by its statistics', () => {
    assert.equal(
      stepSummary(fromNumbers('float32', [2, 2], [1, -2, 3, NaN])),
      'float32[2, 2]  min -2  max 3  mean 0.666667  NaN 1',
    );
    assert.equal(stepSummary({ kind: 'int', value: 4 }), 'int 4');
  });
});
