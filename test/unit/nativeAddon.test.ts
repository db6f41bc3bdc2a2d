import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemorySource } from '../../runtime/format/byteSource';
import { decodeEtdump } from '../../runtime/format/etdump/decodeEtdump';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { programWriteInput } from '../../runtime/format/writer/fromDecoded';
import { writePte } from '../../runtime/format/writer/writePte';
import { ETDumpDebugEvent, ETDumpProfileEvent } from '../../runtime/format/etdump/etdumpTypes';
import type { NativeAddon, NativeTensor, NativeValue } from '../../runtime/exec/native/addonTypes';
import { loadAddon, nativeAddonStatus } from '../../runtime/exec/native/loadAddon';
import { DType, fromNumbers, Tensor, toNumbers } from '../../runtime/exec/tensor';
import { realFixture } from './fixtures';
import { expectedValues, GOLDEN, GoldenEntry, GoldenTensor } from './golden';

/**
 * ExecuTorch's own runtime, built from source into `executorch.node`
 * (native/build.sh), loaded in this process for good-path checks: the shared
 * goldens, the bundled program's own test cases, Cadence programs, refusals
 * that name what is missing, and ETDump profiles with intermediate outputs.
 * Without the addon every test here fails, saying how to build it.
 */

// ExecuTorch's Module refuses this layout of .ptd (it predates the runtime's reader).
const OLD_PTD = 'et-2025-02-linear.ptd';

function addon(): NativeAddon {
  return loadAddon();
}

function nativeInput(v: GoldenEntry['inputs'][number]): NativeValue {
  if ('kind' in v) return v as NativeValue;
  return fromNumbers(v.dtype as DType, v.shape, expectedValues(v)) as NativeTensor;
}

/**
 * The portable softmax sums its exponentials one by one in float32, so over
 * 4096 terms it is further from the exact value than golden.json's rtol 1e-5
 * allows (1.7e-5 here). For that input the test computes the same float32
 * sequence itself and expects the runtime to match it exactly.
 */
function softmaxFloat32(shape: number[]): number[] | undefined {
  const [rows, cols] = shape;
  const f = Math.fround;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: cols }, (_, j) => j % 2);
    const max = Math.max(...x);
    let sum = f(0);
    for (const v of x) sum = f(sum + f(Math.exp(v - max)));
    for (const v of x) out.push(f(f(Math.exp(v - max)) / sum));
  }
  return out;
}

function isAlternatingSoftmax(want: GoldenTensor): boolean {
  return want.formula?.startsWith('y[r,j] = e^(j%2) / (2048*(1+e))') ?? false;
}

/** Largest |got - want| over an output, failing on anything beyond the entry's tolerance. */
function compareOutput(entry: GoldenEntry, i: number, got: NativeValue, want: GoldenEntry['expected'][number]): number {
  if ('kind' in want) {
    assert.equal(got.kind, want.kind, `output ${i} kind`);
    assert.equal((got as { value: unknown }).value, want.value, `output ${i} value`);
    return 0;
  }
  assert.equal(got.kind, 'tensor', `output ${i} kind`);
  const t = got as NativeTensor;
  assert.equal(t.dtype, want.dtype, `output ${i} dtype`);
  assert.deepEqual(t.shape, want.shape, `output ${i} shape`);
  const have = toNumbers(t as Tensor);
  if (isAlternatingSoftmax(want as GoldenTensor)) {
    const model = softmaxFloat32(t.shape)!;
    model.forEach((m, k) => assert.equal(have[k], m, `output ${i}[${k}] against the float32 summation`));
  }
  const expected = expectedValues(want as GoldenTensor);
  assert.equal(have.length, expected.length);
  let worst = 0;
  for (let k = 0; k < expected.length; k++) {
    const err = Math.abs(have[k] - expected[k]);
    const rtol: number = isAlternatingSoftmax(want as GoldenTensor) ? 2e-5 : (entry.rtol ?? 0);
    const tol: number = (entry.atol ?? 0) + rtol * Math.abs(expected[k]);
    if (!(err <= tol)) assert.fail(`output ${i}[${k}]: got ${have[k]}, expected ${expected[k]} (tolerance ${tol})`);
    worst = Math.max(worst, err);
  }
  return worst;
}

/** Deterministic inputs for a method, from its metadata (values in -3..3, integers for integer types). */
function inputsFromMeta(meta: {
  inputs: { tag: string; tensor?: { dtype: string; shape: number[] } }[];
}): NativeValue[] {
  return meta.inputs.map((input, idx) => {
    assert.equal(input.tag, 'tensor', `input ${idx} is a ${input.tag}`);
    const { dtype, shape } = input.tensor!;
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, (_, k) => ((k * 7 + idx) % 13) / 2 - 3);
    return fromNumbers(dtype as DType, shape, values) as NativeTensor;
  });
}

describe('finding the ExecuTorch addon', () => {
  it('reports a PTE_EXPLORER_NATIVE_ADDON that does not exist, and how to build one', () => {
    const saved = process.env.PTE_EXPLORER_NATIVE_ADDON;
    process.env.PTE_EXPLORER_NATIVE_ADDON = path.join(os.tmpdir(), 'no-such-dir', 'executorch.node');
    try {
      const status = nativeAddonStatus();
      assert.equal(status.available, false);
      assert.match(
        status.reason!,
        /PTE_EXPLORER_NATIVE_ADDON names .*no-such-dir.*, which does not exist; build it with `bash native\/build.sh`/,
      );
    } finally {
      if (saved === undefined) delete process.env.PTE_EXPLORER_NATIVE_ADDON;
      else process.env.PTE_EXPLORER_NATIVE_ADDON = saved;
    }
  });
});

describe('ExecuTorch addon (native/)', function () {
  this.timeout(120_000);

  it('is built and loads (bash native/build.sh)', () => {
    const status = nativeAddonStatus();
    assert.ok(status.available, status.reason);
    const info = addon().buildInfo();
    assert.match(info.executorchCommit, /^[0-9a-f]{12}/);
    for (const op of [
      'aten::add.out',
      'aten::convolution.out',
      'dim_order_ops::_to_dim_order_copy.out',
      'cortex_m::quantized_add.out',
      'cadence::quantized_conv2d_nchw.per_tensor_out',
      'cadence::quantize_per_tensor.out',
    ]) {
      assert.ok(info.operators.includes(op), `${op} is registered`);
    }
    assert.ok(info.operators.length > 280, `${info.operators.length} operators`);
    assert.deepEqual(info.backends, ['XnnpackBackend']);
  });

  describe('golden.json', () => {
    GOLDEN.forEach((entry, index) => {
      if (entry.expected_error) {
        it(`${entry.file}: refused by Program::load`, () => {
          assert.throws(
            () => addon().openProgram(realFixture(entry.file), []),
            (err: Error & { codeName?: string }) =>
              /loading program .* failed/.test(err.message) && typeof err.codeName === 'string',
          );
        });
        return;
      }
      if (entry.data_files?.includes(OLD_PTD)) {
        it(`#${index} ${entry.file}: the February-2025 .ptd is refused with the runtime's reason`, () => {
          // The data map is read when the method resolves its external tensors.
          const program = addon().openProgram(realFixture(entry.file), entry.data_files!.map(realFixture));
          assert.throws(
            () => program.loadMethod(entry.method!),
            (err: Error & { codeName?: string; code?: number }) => {
              assert.match(err.message, /load_method forward failed: .*linear\.weight.*Malformed PTD file/);
              assert.equal(err.codeName, 'InvalidExternalData');
              assert.equal(err.code, 0x24);
              return true;
            },
          );
          program.close();
        });
        return;
      }
      it(`#${index} ${entry.file} ${entry.method}`, () => {
        const program = addon().openProgram(realFixture(entry.file), (entry.data_files ?? []).map(realFixture));
        try {
          const method = program.loadMethod(entry.method!);
          const outputs = method.execute(entry.inputs.map(nativeInput));
          assert.equal(outputs.length, entry.expected.length);
          const worst = Math.max(0, ...entry.expected.map((want, i) => compareOutput(entry, i, outputs[i], want)));
          const delegated = program.info().methods.find((m) => m.name === entry.method)!.backends.length > 0;
          // Portable kernels are deterministic: where the golden is exact, so are they.
          if (!delegated && (entry.atol ?? 0) === 0 && (entry.rtol ?? 0) === 0) assert.equal(worst, 0);
          method.close();
        } finally {
          program.close();
        }
      });
    });
  });

  it('the bundled program passes each of its test cases through the bundled-program extension', () => {
    const program = addon().openProgram(realFixture('et-2026-08-bundled-program.bpte'), []);
    const count = program.bundledCaseCount!('forward');
    assert.ok(count >= 2, `${count} test cases`);
    const method = program.loadMethod('forward');
    for (let i = 0; i < count; i++) {
      const result = method.runBundledCase!(i, 1e-5, 1e-8);
      assert.ok(result.passed, `case ${i}: ${result.message}`);
      assert.equal(result.outputs.length, 1);
      assert.equal((result.outputs[0] as NativeTensor).dtype, 'int32');
    }
    assert.throws(() => method.runBundledCase!(count, 1e-5, 1e-8), /does not exist/);
    program.close();
  });

  for (const file of [
    'et-2025-12-conv2d-quantized.pte',
    'et-2026-02-conv2d-layer0.pte',
    'et-2026-02-conv2d-layer5.pte',
  ]) {
    it(`${file} runs its Cadence operators (generic C++ kernels)`, () => {
      const program = addon().openProgram(realFixture(file), []);
      const meta = program.info().methods.find((m) => m.name === 'forward')!;
      const outputs = program.loadMethod('forward').execute(inputsFromMeta(meta));
      assert.equal(outputs.length, meta.outputs.length);
      outputs.forEach((out, i) => {
        const t = out as NativeTensor;
        assert.deepEqual(t.shape, meta.outputs[i].tensor!.shape);
        assert.ok(toNumbers(t as Tensor).every(Number.isFinite));
      });
      program.close();
    });
  }

  it('the QNN program is refused naming the backend, which info() marks unavailable', () => {
    const program = addon().openProgram(realFixture('et-2026-qnn-stories260k.pte'), []);
    const meta = program.info().methods.find((m) => m.name === 'kv_forward')!;
    assert.deepEqual(meta.backends, [{ id: 'QnnBackend', available: false }]);
    assert.equal(meta.plannedBuffers.length, 1);
    assert.throws(
      () => program.loadMethod('kv_forward'),
      (err: Error & { codeName?: string; log?: string[] }) => {
        assert.match(err.message, /load_method kv_forward failed: .*QnnBackend/);
        assert.ok(err.codeName && err.codeName !== 'Ok');
        assert.ok(Array.isArray(err.log) && err.log.some((l) => l.includes('QnnBackend')));
        return true;
      },
    );
    program.close();
  });

  it('a program calling an operator this build lacks is refused naming it', async () => {
    // et-2026-02-add.pte with its one operator renamed to one nobody registers.
    const original = await decodePte(new MemorySource(fs.readFileSync(realFixture('et-2026-02-add.pte')), 'add.pte'));
    const input = await programWriteInput(original);
    input.methods[0].operators[0] = {
      name: 'pte_explorer_test::missing',
      overload: 'out',
      qualifiedName: 'pte_explorer_test::missing.out',
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'native-addon-'));
    try {
      const file = path.join(dir, 'missing-op.pte');
      fs.writeFileSync(file, writePte(input));
      const program = addon().openProgram(file, []);
      assert.throws(
        () => program.loadMethod('forward'),
        (err: Error & { codeName?: string; code?: number; log?: string[] }) => {
          assert.ok(
            err.log!.some((l) => l.includes("kernel 'pte_explorer_test::missing.out' not found")),
            err.log!.join('\n'),
          );
          assert.match(
            err.message,
            /^load_method forward failed: Missing operator: \[0\] pte_explorer_test::missing\.out \(OperatorMissing, 0x14\)$/,
          );
          assert.equal(err.code, 0x14);
          return true;
        },
      );
      program.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks inputs against the method before running: count, dtype and shape', () => {
    const program = addon().openProgram(realFixture('et-2026-02-add.pte'), []);
    const method = program.loadMethod('forward');
    const one = (dtype: DType, shape: number[]) => fromNumbers(dtype, shape, [1]) as NativeTensor;
    assert.throws(() => method.execute([one('float32', [1])]), /takes 2 inputs, got 1/);
    assert.throws(
      () => method.execute([one('float32', [1]), one('int32', [1])]),
      /input 1: dtype int32 does not match the method's float32/,
    );
    assert.throws(
      () => method.execute([one('float32', [1]), one('float32', [1, 1])]),
      /input 1: rank 2 does not match/,
    );
    const [sum] = method.execute([one('float32', [1]), one('float32', [1])]);
    assert.deepEqual(Array.from((sum as NativeTensor).data as Float32Array), [2]);
    program.close();
  });

  it('a profiled run gives an ETDump our decoder reads, with operator names and intermediate outputs', async () => {
    const program = addon().openProgram(realFixture('et-2024-03-module-model.pte'), []);
    const method = program.loadMethod('forward', { profile: true, debugBufferBytes: 1 << 20 });
    const [out] = method.execute([fromNumbers('float32', [1, 2], [1, 2]) as NativeTensor]);
    const dump = method.takeEtdump();
    assert.ok(dump && dump.etdump.length > 0);
    const decoded = await decodeEtdump(new MemorySource(dump.etdump, 'native.etdp'));
    // Loading the method is the first block, the run the second.
    assert.deepEqual(
      decoded.runs.map((r) => r.name),
      ['Default', 'Execute'],
    );
    assert.ok(decoded.runs[0].events.some((e) => e.kind === 'profile' && e.name === 'Program::load_method'));
    const events = decoded.runs[1].events;
    const profiled = events.filter((e): e is ETDumpProfileEvent => e.kind === 'profile').map((e) => e.name);
    for (const op of ['native_call_mean.out', 'native_call_eq.Scalar_out', 'native_call_where.self_out']) {
      assert.ok(profiled.includes(op), `${op} in ${profiled.join(', ')}`);
    }
    assert.ok(profiled.includes('Method::execute'), profiled.join(', '));
    const debug = events.filter((e): e is ETDumpDebugEvent => e.kind === 'debug' && e.value?.type === 'tensor');
    // One per operator (intermediate outputs) and the method's output.
    assert.deepEqual(
      debug.map((e) => [e.chainIndex, e.instructionId, e.output]),
      [
        [0, 0, null],
        [0, 1, null],
        [0, 2, null],
        [0, 3, null],
        [-1, 0, true],
      ],
    );
    assert.ok(dump.debugBuffer.length > 0);
    // The last operator's output is the method's output: same bytes in the debug buffer.
    const last = debug[debug.length - 1].value as { type: 'tensor'; offset: number; dtype: string };
    assert.equal(last.dtype, 'float32');
    const logged = new Float32Array(dump.debugBuffer.slice(last.offset, last.offset + 4).buffer);
    assert.equal(logged[0], ((out as NativeTensor).data as Float32Array)[0]);
    // Taking the dump starts a new one.
    method.execute([fromNumbers('float32', [1, 2], [3, 4]) as NativeTensor]);
    const second = await decodeEtdump(new MemorySource(method.takeEtdump()!.etdump, 'second.etdp'));
    assert.deepEqual(
      second.runs.map((r) => r.name),
      ['Execute'],
    );
    program.close();
  });
});
