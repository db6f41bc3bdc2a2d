import * as assert from 'node:assert/strict';
import { EngineName, LoadedMethod } from '../../runtime/exec/engine';
import { ExecutionError, InvalidInputError, RunCancelledError } from '../../runtime/exec/errors';
import { OnnxMethod } from '../../runtime/exec/onnx/onnxMethod';
import { fromPhysicalOrder } from '../../runtime/exec/program/storedTensors';
import { ReferenceMethod } from '../../runtime/exec/reference/interpreter';
import { fromNumbers, Tensor, toNumbers } from '../../runtime/exec/tensor';
import { RunValue } from '../../runtime/exec/values';
import { MethodBuilder, tensorValue } from './execHarness';

/** Method-level behavior both engines must share: dynamic shapes, control flow, state, steps, errors. */

function engines(b: MethodBuilder): Record<Exclude<EngineName, 'executorch'>, LoadedMethod> {
  const method = b.build();
  return { reference: ReferenceMethod.fromParts(method, b.stored), onnx: OnnxMethod.fromParts(method, b.stored) };
}

function values(v: RunValue): number[] {
  assert.equal(v.kind, 'tensor');
  return Array.from(toNumbers(v as Tensor));
}

async function each(b: MethodBuilder, check: (m: LoadedMethod) => Promise<void>): Promise<void> {
  for (const m of Object.values(engines(b))) {
    try {
      await check(m);
    } catch (e) {
      (e as Error).message = `${m.engine}: ${(e as Error).message}`;
      throw e;
    } finally {
      await m.dispose();
    }
  }
}

describe('method execution on both engines', () => {
  it('sizes computed by sym_size and prim ops drive a view of a dynamic-shape input', async () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [8, 6], true);
    const rows = b.call('aten::sym_size.int', [x, b.int(0)])[0];
    const cols = b.call('aten::sym_size.int', [x, b.int(1)])[0];
    const half = b.call('executorch_prim::floordiv.Scalar', [cols, b.int(2)])[0];
    const twice = b.call('executorch_prim::mul.Scalar', [rows, b.int(2)])[0];
    const y = b.call('aten::view_copy.out', [x, b.intListOf([twice, half]), b.planned('float32', [16, 3])])[0];
    b.outputs.push(y, twice);
    await each(b, async (m) => {
      for (const [r, c] of [
        [2, 6],
        [4, 4],
        [8, 6],
      ]) {
        const input = fromNumbers(
          'float32',
          [r, c],
          Array.from({ length: r * c }, (_, i) => i),
        );
        const { outputs } = await m.run([input]);
        assert.deepEqual((outputs[0] as Tensor).shape, [r * 2, c / 2]);
        assert.deepEqual(
          values(outputs[0]),
          Array.from({ length: r * c }, (_, i) => i),
        );
        assert.deepEqual(outputs[1], { kind: 'int', value: 2 * r });
      }
    });
  });

  it('prim ops compute on ints, doubles and bools as the runtime does (folded at lowering time by the onnx engine)', async () => {
    const b = new MethodBuilder();
    const cases: [string, () => number[], RunValue][] = [
      ['executorch_prim::add.Scalar', () => [b.int(3), b.int(4)], { kind: 'int', value: 7 }],
      ['executorch_prim::add.Scalar', () => [b.int(3), b.double(0.5)], { kind: 'double', value: 3.5 }],
      ['executorch_prim::sub.Scalar', () => [b.int(3), b.int(5)], { kind: 'int', value: -2 }],
      ['executorch_prim::mul.Scalar', () => [b.int(3), b.double(2.5)], { kind: 'double', value: 7.5 }],
      ['executorch_prim::floordiv.Scalar', () => [b.int(-7), b.int(2)], { kind: 'int', value: -4 }],
      ['executorch_prim::floordiv.Scalar', () => [b.double(-7.5), b.int(2)], { kind: 'double', value: -4 }],
      ['executorch_prim::truediv.Scalar', () => [b.int(7), b.int(2)], { kind: 'double', value: 3.5 }],
      ['executorch_prim::mod.Scalar', () => [b.int(-7), b.int(3)], { kind: 'int', value: -1 }],
      ['executorch_prim::mod.int', () => [b.int(7), b.int(-3)], { kind: 'int', value: 1 }],
      ['executorch_prim::floordiv.int', () => [b.int(-7), b.int(2)], { kind: 'int', value: -3 }],
      ['executorch_prim::eq.Scalar', () => [b.int(3), b.double(3)], { kind: 'bool', value: true }],
      ['executorch_prim::gt.Scalar', () => [b.int(3), b.int(3)], { kind: 'bool', value: false }],
      ['executorch_prim::ge.Scalar', () => [b.int(3), b.int(3)], { kind: 'bool', value: true }],
      ['executorch_prim::lt.Scalar', () => [b.double(2.5), b.int(3)], { kind: 'bool', value: true }],
      ['executorch_prim::le.Scalar', () => [b.int(4), b.int(3)], { kind: 'bool', value: false }],
      ['executorch_prim::sym_max.Scalar', () => [b.int(3), b.int(5)], { kind: 'int', value: 5 }],
      ['executorch_prim::sym_min.Scalar', () => [b.int(3), b.int(5)], { kind: 'int', value: 3 }],
      ['executorch_prim::neg.Scalar', () => [b.int(4)], { kind: 'int', value: -4 }],
      ['executorch_prim::sym_float.Scalar', () => [b.int(3)], { kind: 'double', value: 3 }],
      ['executorch_prim::sym_int.Scalar', () => [b.double(-3.7)], { kind: 'int', value: -3 }],
      ['executorch_prim::sym_not.Scalar', () => [b.bool(true)], { kind: 'bool', value: false }],
      ['executorch_prim::sym_ite.Scalar', () => [b.bool(false), b.int(1), b.int(2)], { kind: 'int', value: 2 }],
      ['executorch_prim::ceil.Scalar', () => [b.double(2.1)], { kind: 'int', value: 3 }],
      ['executorch_prim::round.Scalar', () => [b.double(2.5)], { kind: 'int', value: 2 }],
      ['executorch_prim::round.Scalar', () => [b.double(3.5)], { kind: 'int', value: 4 }],
      ['executorch_prim::trunc.Scalar', () => [b.double(-2.7)], { kind: 'int', value: -2 }],
    ];
    for (const [op, args] of cases) b.outputs.push(b.call(op, args())[0]);
    await each(b, async (m) => {
      const { outputs } = await m.run([]);
      outputs.forEach((o, i) => assert.deepEqual(o, cases[i][2], `${cases[i][0]} #${i}`));
    });
  });

  it('a JumpFalse loop with a prim-op counter appends rows with et_copy_index', async () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [3]);
    const acc = b.planned('float32', [4, 3]);
    const i = b.int(0);
    const n = b.int(4);
    const row = b.planned('float32', [3]);
    const never = b.bool(false);
    // row i of acc = x · (i + 1), for i in 0..3
    const asDouble = b.call('executorch_prim::sym_float.Scalar', [i])[0];
    const factor = b.call('executorch_prim::add.Scalar', [asDouble, b.double(1)])[0];
    b.call('aten::mul.Scalar_out', [x, factor, row]);
    b.call('executorch_prim::et_copy_index.tensor', [acc, row, i]);
    const next = b.call('executorch_prim::add.Scalar', [i, b.int(1)])[0];
    b.instruction({ kind: 'move', from: next, to: i });
    const cond = b.call('executorch_prim::lt.Scalar', [i, n])[0];
    b.instruction({ kind: 'jumpFalse', condValueIndex: cond, destination: 9 });
    b.instruction({ kind: 'jumpFalse', condValueIndex: never, destination: 0 });
    b.outputs.push(acc, i);
    await each(b, async (m) => {
      const { outputs } = await m.run([fromNumbers('float32', [3], [1, 2, 3])]);
      assert.deepEqual((outputs[0] as Tensor).shape, [4, 3]);
      assert.deepEqual(values(outputs[0]), [1, 2, 3, 2, 4, 6, 3, 6, 9, 4, 8, 12]);
      assert.deepEqual(outputs[1], { kind: 'int', value: 4 });
    });
  });

  it('a mutable buffer carries its value from call to call until reset', async () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [2]);
    const buffer = b.planned('float32', [2]);
    const sum = b.call('aten::add.out', [buffer, x, b.int(1), b.planned('float32', [2])])[0];
    b.call('aten::copy_', [buffer, sum, b.bool(false)]);
    b.outputs.push(sum);
    await each(b, async (m) => {
      const x1 = fromNumbers('float32', [2], [1, 10]);
      assert.deepEqual(values((await m.run([x1])).outputs[0]), [1, 10]);
      assert.deepEqual(values((await m.run([x1])).outputs[0]), [2, 20]);
      assert.deepEqual(values((await m.run([fromNumbers('float32', [2], [0.5, 0])])).outputs[0]), [2.5, 20]);
      m.reset();
      assert.deepEqual(values((await m.run([x1])).outputs[0]), [1, 10]);
    });
  });

  it('a mutable buffer with an initial value starts from it', async () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [3]);
    const buffer = b.planned('float32', [3]);
    b.values[buffer] = { kind: 'tensor', tensor: tensorValue('float32', [3], 'mutableWithInitialValue') };
    b.stored.set(buffer, fromNumbers('float32', [3], [100, 200, 300]));
    const sum = b.call('aten::add.out', [buffer, x, b.int(1), b.planned('float32', [3])])[0];
    b.call('aten::copy_', [buffer, sum, b.bool(false)]);
    b.outputs.push(sum);
    await each(b, async (m) => {
      const ones = fromNumbers('float32', [3], [1, 1, 1]);
      assert.deepEqual(values((await m.run([ones])).outputs[0]), [101, 201, 301]);
      assert.deepEqual(values((await m.run([ones])).outputs[0]), [102, 202, 302]);
    });
  });

  it('step mode records every value each instruction writes, the same on both engines', async () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [2, 2]);
    const y = b.call('aten::mul.Scalar_out', [x, b.int(3), b.planned('float32', [2, 2])])[0];
    const n = b.call('aten::sym_numel', [y])[0];
    const z = b.call('aten::sum.IntList_out', [
      y,
      b.intList([1]),
      b.bool(false),
      b.none(),
      b.planned('float32', [2]),
    ])[0];
    b.outputs.push(z, n);
    const steps: Record<string, unknown> = {};
    await each(b, async (m) => {
      const r = await m.run([fromNumbers('float32', [2, 2], [1, 2, 3, 4])], { steps: true });
      assert.ok(r.steps);
      assert.deepEqual(
        r.steps!.map((s) => s.instruction),
        [0, 1, 2],
      );
      assert.equal(r.steps![0].text, 'aten::mul.Scalar_out(%0, 3, %2, %2)');
      assert.deepEqual(values(r.steps![0].writes[0].value), [3, 6, 9, 12]);
      assert.deepEqual(r.steps![1].writes[0].value, { kind: 'int', value: 4 });
      assert.deepEqual(values(r.steps![2].writes[0].value), [9, 21]);
      steps[m.engine] = r.steps!.map((s) => s.writes.map((w) => w.valueIndex));
    });
    assert.deepEqual(steps.onnx, steps.reference);
  });

  it('move and free instructions', async () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [2]);
    const tmp = b.call('aten::neg.out', [x, b.planned('float32', [2])])[0];
    const out = b.planned('float32', [2]);
    b.instruction({ kind: 'move', from: tmp, to: out });
    b.instruction({ kind: 'free', valueIndex: tmp });
    b.outputs.push(out);
    await each(b, async (m) => {
      assert.deepEqual(values((await m.run([fromNumbers('float32', [2], [1, -2])])).outputs[0]), [-1, 2]);
    });
  });

  it('constant methods return their int, double and bool without onnxruntime', async () => {
    const b = new MethodBuilder();
    b.outputs.push(b.int(128), b.double(2.5), b.bool(true));
    const m = OnnxMethod.fromParts(b.build(), b.stored);
    const lowered = await m.loweredFor([]);
    assert.equal(lowered.model, null);
    assert.deepEqual((await m.run([])).outputs, [
      { kind: 'int', value: 128 },
      { kind: 'double', value: 2.5 },
      { kind: 'bool', value: true },
    ]);
  });

  it('rejects inputs of the wrong count, dtype or shape before running', async () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [2, 3]);
    b.outputs.push(b.call('aten::relu.out', [x, b.planned('float32', [2, 3])])[0]);
    await each(b, async (m) => {
      await assert.rejects(m.run([]), (e: Error) => e instanceof InvalidInputError && /takes 1 input/.test(e.message));
      await assert.rejects(
        m.run([fromNumbers('int32', [2, 3], [1, 2, 3, 4, 5, 6])]),
        (e: Error) => e instanceof InvalidInputError && /dtype differs/.test(e.message),
      );
      await assert.rejects(
        m.run([fromNumbers('float32', [3, 2], [1, 2, 3, 4, 5, 6])]),
        (e: Error) => e instanceof InvalidInputError && /shape differs/.test(e.message),
      );
    });
  });

  it('a kernel failure names the method and instruction', async () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [2, 3]);
    const y = b.input('float32', [4]);
    b.outputs.push(b.call('aten::add.out', [x, y, b.int(1), b.planned('float32', [2, 3])])[0]);
    await each(b, async (m) => {
      await assert.rejects(
        m.run([fromNumbers('float32', [2, 3], [1, 2, 3, 4, 5, 6]), fromNumbers('float32', [4], [1, 2, 3, 4])]),
        (e: Error) =>
          e instanceof ExecutionError && /^forward#0: shapes \[2, 3\] and \[4\] do not broadcast/.test(e.message),
      );
    });
  });

  it('an argument the operator spec rejects is named with the operator and the instruction, in the same words by both engines', async () => {
    const cases: { build: (b: MethodBuilder, x: number) => void; expected: RegExp }[] = [
      {
        build: (b, x) =>
          b.outputs.push(
            b.call('aten::narrow_copy.out', [x, b.int(1), b.int(2), b.int(3), b.planned('float32', [2, 3])])[0],
          ),
        expected:
          /^forward#0: aten::narrow_copy\.out: argument 'start': narrow\(1, 2, 3\) is out of range for \[2, 3\]$/,
      },
      {
        build: (b, x) =>
          b.outputs.push(b.call('aten::unsqueeze_copy.out', [x, b.int(5), b.planned('float32', [2, 3, 1])])[0]),
        expected:
          /^forward#0: aten::unsqueeze_copy\.out: argument 'dim': dimension 5 is out of range for a tensor of rank 3$/,
      },
      {
        build: (b, x) =>
          b.outputs.push(b.call('aten::_pdist_forward.out', [x, b.double(-1), b.planned('float32', [3])])[0]),
        expected: /^forward#0: aten::_pdist_forward\.out: argument 'p': p must be non-negative, got -1$/,
      },
    ];
    for (const { build, expected } of cases) {
      const b = new MethodBuilder();
      const x = b.input('float32', [2, 3]);
      build(b, x);
      const messages: string[] = [];
      await each(b, async (m) => {
        await assert.rejects(m.run([fromNumbers('float32', [2, 3], [1, 2, 3, 4, 5, 6])]), (e: Error) => {
          messages.push(e.message);
          return e instanceof ExecutionError && expected.test(e.message);
        });
      });
      assert.equal(messages.length, 2);
      assert.equal(messages[0], messages[1]);
    }
  });

  it('a cancelled run stops with RunCancelledError', async () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [2]);
    b.outputs.push(b.call('aten::relu.out', [x, b.planned('float32', [2])])[0]);
    await each(b, async (m) => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(
        m.run([fromNumbers('float32', [2], [1, 2])], { signal: controller.signal }),
        RunCancelledError,
      );
    });
  });

  it('reading a tensor into a scalar is folded for constants; for inputs the onnx engine probes the value first', async () => {
    const b = new MethodBuilder();
    const x = b.input('float32', [2]);
    const k = b.constant(fromNumbers('int64', [1], [3]));
    const s = b.call('aten::_local_scalar_dense', [k])[0];
    b.outputs.push(b.call('aten::mul.Scalar_out', [x, s, b.planned('float32', [2])])[0], s);
    await each(b, async (m) => {
      const { outputs } = await m.run([fromNumbers('float32', [2], [1, 2])]);
      assert.deepEqual(values(outputs[0]), [3, 6]);
      assert.deepEqual(outputs[1], { kind: 'int', value: 3 });
    });
    const d = new MethodBuilder();
    const t = d.input('float32', [1]);
    d.outputs.push(d.call('aten::_local_scalar_dense', [t])[0]);
    const m = OnnxMethod.fromParts(d.build(), d.stored);
    try {
      assert.deepEqual((await m.run([fromNumbers('float32', [1], [2])])).outputs, [{ kind: 'double', value: 2 }]);
      assert.deepEqual((await m.run([fromNumbers('float32', [1], [-0.5])])).outputs, [{ kind: 'double', value: -0.5 }]);
    } finally {
      await m.dispose();
    }
    assert.deepEqual(
      (await ReferenceMethod.fromParts(d.build(), d.stored).run([fromNumbers('float32', [1], [2])])).outputs,
      [{ kind: 'double', value: 2 }],
    );
  });

  it('stored tensors in channels-last dim order are read back in row-major order', () => {
    // A [1, 2, 2, 3] NCHW tensor stored as NHWC: physical order n, h, w, c.
    const logical = Array.from({ length: 12 }, (_, i) => i);
    const physical: number[] = [];
    for (let h = 0; h < 2; h++)
      for (let w = 0; w < 3; w++) for (let c = 0; c < 2; c++) physical.push(logical[c * 6 + h * 3 + w]);
    const t = fromPhysicalOrder(fromNumbers('float32', [1, 2, 3, 2], physical), [0, 2, 3, 1], [1, 2, 2, 3]);
    assert.deepEqual(Array.from(toNumbers(t)), logical);
  });
});
