import * as assert from 'node:assert/strict';
import { fromNumbers, toNumbers } from '../../runtime/exec/tensor';
import { RunValue } from '../../runtime/exec/values';
import { MethodBuilder, runBoth } from './execHarness';

/**
 * Where ExecuTorch's portable kernels give other numbers than PyTorch eager,
 * both engines give the kernels' numbers (what a device computes). Each case
 * was found by `npm run verify:engines` against the executorch engine.
 */

function numbers(v: RunValue): number[] {
  assert.equal(v.kind, 'tensor');
  return Array.from(toNumbers(v as Extract<RunValue, { kind: 'tensor' }>));
}

describe('portable kernel semantics on both engines', () => {
  it('remainder of integers has the sign of the dividend (C %), of floats the sign of the divisor (random program 109)', async () => {
    const b = new MethodBuilder();
    const ints = b.input('int32', [4]);
    const divisors = b.input('int32', [4]);
    const longs = b.input('int64', [4]);
    const floats = b.input('float32', [4]);
    const tensorOut = b.call('aten::remainder.Tensor_out', [ints, divisors, b.planned('int32', [4])])[0];
    const scalarOut = b.call('aten::remainder.Scalar_out', [longs, b.int(3), b.planned('int64', [4])])[0];
    const floatOut = b.call('aten::remainder.Scalar_out', [floats, b.int(2), b.planned('float32', [4])])[0];
    b.outputs = [tensorOut, scalarOut, floatOut];
    const runs = await runBoth(b.build(), b.stored, [
      fromNumbers('int32', [4], [7, -7, 7, -7]),
      fromNumbers('int32', [4], [3, 3, -3, -3]),
      fromNumbers('int64', [4], [7, -7, 8, -8]),
      fromNumbers('float32', [4], [-5.5, 5.5, -4.5, 3]),
    ]);
    for (const [engine, outputs] of Object.entries(runs)) {
      assert.deepEqual(numbers(outputs[0]), [1, -1, 1, -1], `${engine} remainder.Tensor_out int32`);
      assert.deepEqual(numbers(outputs[1]), [1, -1, 2, -2], `${engine} remainder.Scalar_out int64`);
      assert.deepEqual(numbers(outputs[2]), [0.5, 1.5, 1.5, 1], `${engine} remainder.Scalar_out float32`);
    }
  });
});
