import * as assert from 'node:assert/strict';
import { OnnxMethod } from '../../runtime/exec/onnx/onnxMethod';
import { ReferenceMethod } from '../../runtime/exec/reference/interpreter';
import { fromNumbers, Tensor, toNumbers } from '../../runtime/exec/tensor';
import { RunValue } from '../../runtime/exec/values';
import { MethodBuilder } from './execHarness';

/**
 * ExecuTorch's LLM custom ops as an exported decoder step uses them: the
 * position comes in as a tensor, is read into start_pos, and the KV caches
 * are mutable buffers carried from call to call. Checked against values
 * worked out by hand: a zero query weighs every visible key equally, so
 * each output row is the mean of the value rows it may see.
 */

function rows(t: RunValue): number[] {
  assert.equal(t.kind, 'tensor');
  return Array.from(toNumbers(t as Tensor));
}

describe('llama custom ops (KV-cache attention)', function () {
  this.timeout(60_000);

  it('a decode step reads start_pos from the position tensor, writes the caches there and attends to every earlier position', async () => {
    // One head of dim 2, a cache of 4 positions (mutable buffers: planned, read before written); the value written at position p is [p + 1, 10·(p + 1)].
    const b = new MethodBuilder();
    const inputPos = b.input('int64', [1]);
    const value = b.input('float32', [1, 1, 1, 2]);
    const keyCache = b.planned('float32', [1, 4, 1, 2]);
    const valueCache = b.planned('float32', [1, 4, 1, 2]);
    const pos = b.call('aten::select_copy.int_out', [inputPos, b.int(0), b.int(0), b.planned('int64')])[0];
    const startPos = b.call('aten::_local_scalar_dense', [pos])[0];
    const zero = b.constant(fromNumbers('float32', [1, 1, 1, 2], [0, 0]));
    const out = b.call('llama::sdpa_with_kv_cache.out', [
      zero,
      value,
      value,
      keyCache,
      valueCache,
      startPos,
      b.int(1),
      b.none(),
      b.double(0),
      b.bool(true),
      b.none(),
      b.planned('float32'),
    ])[0];
    b.outputs.push(out);
    const method = b.build();
    const engines = [ReferenceMethod.fromParts(method, b.stored), OnnxMethod.fromParts(method, b.stored)];
    try {
      for (const engine of engines) {
        const seen: number[][] = [];
        for (let p = 0; p < 4; p++) {
          const { outputs } = await engine.run([
            fromNumbers('int64', [1], [p]),
            fromNumbers('float32', [1, 1, 1, 2], [p + 1, 10 * (p + 1)]),
          ]);
          seen.push(rows(outputs[0]).map((x) => Math.round(x * 1e5) / 1e5));
        }
        // Mean of 1..p+1 and of 10..10(p+1).
        assert.deepEqual(
          seen,
          [
            [1, 10],
            [1.5, 15],
            [2, 20],
            [2.5, 25],
          ],
          engine.engine,
        );
      }
    } finally {
      await (engines[1] as OnnxMethod).dispose();
    }
  });

  it('custom_sdpa with is_causal lets query i see keys up to start_pos + i only', async () => {
    const b = new MethodBuilder();
    const q = b.constant(fromNumbers('float32', [1, 2, 1, 1], [0, 0]));
    const cache = b.input('float32', [1, 5, 1, 1]);
    b.outputs.push(
      b.call('llama::custom_sdpa.out', [
        q,
        cache,
        cache,
        b.int(1),
        b.none(),
        b.double(0),
        b.bool(true),
        b.none(),
        b.planned('float32'),
      ])[0],
    );
    const method = b.build();
    const input = [fromNumbers('float32', [1, 5, 1, 1], [2, 4, 6, 8, 100])];
    const onnx = OnnxMethod.fromParts(method, b.stored);
    try {
      for (const engine of [ReferenceMethod.fromParts(method, b.stored), onnx]) {
        // Query 0 (position 1) sees 2, 4; query 1 (position 2) sees 2, 4, 6; position 4 (100) is never read.
        assert.deepEqual(rows((await engine.run(input)).outputs[0]), [3, 4], engine.engine);
      }
    } finally {
      await onnx.dispose();
    }
  });
});
