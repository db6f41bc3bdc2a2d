import * as assert from 'node:assert/strict';
import { compareValues } from '../../runtime/exec/compare';
import { InvalidInputError } from '../../runtime/exec/errors';
import {
  bfloat16BitsToNumber,
  float16BitsToNumber,
  numberToBfloat16Bits,
  numberToFloat16Bits,
} from '../../runtime/format/halfPrecision';
import { readNpy, writeNpy } from '../../runtime/exec/npy';
import { randomInputs } from '../../runtime/exec/randomInputs';
import {
  castTensor,
  fromNumbers,
  storeNumber,
  Tensor,
  tensorFromBytes,
  toNumbers,
  zeros,
} from '../../runtime/exec/tensor';
import { parseInputsJson, parseJsonValue, STATS_THRESHOLD, toJsonValue } from '../../runtime/exec/valueJson';

function cells(t: Tensor): (number | bigint)[] {
  return Array.from(t.data as ArrayLike<number | bigint>);
}

describe('run values: half types, JSON, .npy', () => {
  it('converts float16 with round-to-nearest-even, subnormals, infinities and NaN', () => {
    // Bit patterns from IEEE 754 binary16.
    assert.equal(numberToFloat16Bits(1), 0x3c00);
    assert.equal(numberToFloat16Bits(-2), 0xc000);
    assert.equal(numberToFloat16Bits(65504), 0x7bff);
    assert.equal(numberToFloat16Bits(65520), 0x7c00); // rounds up to infinity
    assert.equal(numberToFloat16Bits(2 ** -24), 0x0001); // smallest subnormal
    assert.equal(numberToFloat16Bits(2 ** -25), 0x0000); // ties to even: 0
    assert.equal(numberToFloat16Bits(3 * 2 ** -25), 0x0002); // 1.5 ulp → 2 (even)
    assert.equal(numberToFloat16Bits(1 + 2 ** -11), 0x3c00); // halfway between 1 and next: to even
    assert.equal(numberToFloat16Bits(1 + 3 * 2 ** -11), 0x3c02);
    assert.equal(float16BitsToNumber(0x3555), 0.333251953125);
    assert.ok(Number.isNaN(float16BitsToNumber(numberToFloat16Bits(NaN))));
    assert.equal(float16BitsToNumber(0xfc00), -Infinity);
  });

  it('converts bfloat16 with round-to-nearest-even', () => {
    assert.equal(numberToBfloat16Bits(1), 0x3f80);
    assert.equal(numberToBfloat16Bits(1 + 2 ** -8), 0x3f80); // tie, keeps even
    assert.equal(numberToBfloat16Bits(1 + 3 * 2 ** -8), 0x3f82);
    assert.equal(bfloat16BitsToNumber(0x4049), 3.140625);
    assert.ok(Number.isNaN(bfloat16BitsToNumber(numberToBfloat16Bits(NaN))));
  });

  it('stores numbers as C++ would: truncation and wrap for integers, 0/1 for bool', () => {
    assert.equal(storeNumber('int8', 130), 130); // the typed array wraps on assignment
    assert.deepEqual(cells(fromNumbers('int8', [3], [130, -1.9, 2.9])), [-126, -1, 2]);
    assert.deepEqual(cells(fromNumbers('uint8', [2], [256, -1])), [0, 255]);
    assert.deepEqual(cells(fromNumbers('bool', [3], [0, -0.5, 2])), [0, 1, 1]);
    assert.deepEqual(cells(fromNumbers('int64', [2], [2 ** 40 + 0.5, -3.7])), [2n ** 40n, -3n]);
    assert.deepEqual(
      Array.from(toNumbers(castTensor(fromNumbers('float32', [2], [1.5, -2.25]), 'bfloat16'))),
      [1.5, -2.25],
    );
  });

  it('views aligned bytes without a copy and copies unaligned ones', () => {
    const buffer = new Uint8Array(20);
    new DataView(buffer.buffer).setFloat32(4, 2.5, true);
    const aligned = tensorFromBytes('float32', [1], buffer.subarray(4, 8));
    assert.equal(aligned.data.buffer, buffer.buffer);
    assert.equal(aligned.data[0], 2.5);
    new DataView(buffer.buffer).setFloat32(5, -1, true);
    const unaligned = tensorFromBytes('float32', [1], buffer.subarray(5, 9));
    assert.notEqual(unaligned.data.buffer, buffer.buffer);
    assert.equal(unaligned.data[0], -1);
  });

  it('parses the golden.json input format and names the bad field', () => {
    const values = parseInputsJson(
      JSON.stringify([
        { dtype: 'float32', shape: [2], values: [1, 'NaN'] },
        { dtype: 'int64', shape: [2], values: ['9007199254740993', -1] },
        { dtype: 'bool', shape: [3], fill: true },
        { kind: 'int', value: 128 },
        { kind: 'double', value: 2.5 },
        { kind: 'bool', value: false },
      ]),
      'in.json',
    );
    assert.equal(values.length, 6);
    assert.ok(Number.isNaN(Number(values[0].kind === 'tensor' && values[0].data[1])));
    assert.equal(values[1].kind === 'tensor' && values[1].data[0], 9007199254740993n);
    assert.deepEqual(values[2].kind === 'tensor' && cells(values[2]), [1, 1, 1]);
    assert.deepEqual(values.slice(3), [
      { kind: 'int', value: 128 },
      { kind: 'double', value: 2.5 },
      { kind: 'bool', value: false },
    ]);
    const bad = (v: unknown, pattern: RegExp) =>
      assert.throws(
        () => parseJsonValue(v, 'inputs[0]'),
        (e: Error) => e instanceof InvalidInputError && pattern.test(e.message),
      );
    bad({ dtype: 'float32', shape: [2], values: [1] }, /inputs\[0\]\.values: has 1 values, shape \[2\] needs 2/);
    bad({ dtype: 'complex64', shape: [1], values: [1] }, /inputs\[0\]\.dtype: unknown dtype "complex64"/);
    bad({ dtype: 'float32', shape: [-1], fill: 0 }, /inputs\[0\]\.shape/);
    bad({ dtype: 'float32', shape: [2, 2] }, /needs "values" or "fill"/);
    bad({ kind: 'int', value: 1.5 }, /an int must be an integer/);
    assert.throws(() => parseInputsJson('{', 'in.json'), /in\.json: not valid JSON/);
  });

  it('writes outputs in the same format, with statistics for very large tensors', () => {
    assert.deepEqual(toJsonValue(fromNumbers('int64', [2], [3, -4])), { dtype: 'int64', shape: [2], values: [3, -4] });
    assert.deepEqual(toJsonValue(fromNumbers('float32', [2], [Infinity, 0.5])), {
      dtype: 'float32',
      shape: [2],
      values: ['Infinity', 0.5],
    });
    assert.deepEqual(toJsonValue(fromNumbers('bool', [2], [1, 0])), {
      dtype: 'bool',
      shape: [2],
      values: [true, false],
    });
    const big = zeros('float32', [STATS_THRESHOLD + 1]);
    (big.data as Float32Array)[7] = 3;
    (big.data as Float32Array)[9] = -5;
    assert.deepEqual(toJsonValue(big), {
      dtype: 'float32',
      shape: [STATS_THRESHOLD + 1],
      stats: { min: -5, max: 3, sum: -2, absSum: 8, maxAbs: 5, argmax: 7 },
    });
  });

  it('writes .npy files NumPy can read: magic, version 1.0, 64-byte aligned header, little-endian data', () => {
    const t = fromNumbers('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
    const bytes = writeNpy(t);
    assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = bytes[8] | (bytes[9] << 8);
    assert.equal((10 + headerLength) % 64, 0);
    const header = Buffer.from(bytes.subarray(10, 10 + headerLength)).toString('latin1');
    assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    assert.equal(new DataView(bytes.buffer).getFloat32(10 + headerLength + 4 * 5, true), 6);
    const back = readNpy(bytes, 'x.npy');
    assert.deepEqual([back.dtype, back.shape, cells(back)], ['float32', [2, 3], [1, 2, 3, 4, 5, 6]]);
    assert.match(
      Buffer.from(writeNpy(fromNumbers('int64', [], [7]))).toString('latin1'),
      /'descr': '<i8', 'fortran_order': False, 'shape': \(\), /,
    );
    assert.match(
      Buffer.from(writeNpy(fromNumbers('bool', [3], [1, 0, 1]))).toString('latin1'),
      /'descr': '\|b1'.*'shape': \(3,\)/,
    );
    // bfloat16 has no NumPy type: written as float32.
    assert.equal(readNpy(writeNpy(fromNumbers('bfloat16', [1], [1.5])), 'b.npy').dtype, 'float32');
    assert.throws(() => readNpy(new Uint8Array([1, 2, 3]), 'bad.npy'), /bad\.npy: not a \.npy file/);
  });

  it('compares with |a - e| <= atol + rtol·|e|, NaN equal to NaN, shapes exact', () => {
    const e = fromNumbers('float32', [3], [1, NaN, 100]);
    assert.ok(compareValues(fromNumbers('float32', [3], [1.001, NaN, 100.5]), e, { atol: 0.001, rtol: 0.005 }).equal);
    const c = compareValues(fromNumbers('float32', [3], [1.01, NaN, 100]), e, { atol: 0.001, rtol: 0 });
    assert.equal(c.equal, false);
    assert.match(c.reason!, /output\[0\]: got 1\.0099999/);
    assert.equal(compareValues(fromNumbers('float32', [1, 3], [1, NaN, 100]), e, { atol: 1, rtol: 1 }).equal, false);
  });

  it('random inputs are the same for the same seed and differ for another', () => {
    const sig = {
      name: 'forward',
      inputs: [
        { kind: 'tensor' as const, valueIndex: 0, dtype: 'float32', shape: [4], dynamic: false },
        { kind: 'tensor' as const, valueIndex: 1, dtype: 'int64', shape: [3], dynamic: false },
      ],
      outputs: [],
    };
    const a = randomInputs(sig, 7);
    assert.deepEqual(a, randomInputs(sig, 7));
    assert.notDeepEqual(a, randomInputs(sig, 8));
    const floats = a[0].kind === 'tensor' ? Array.from(a[0].data as Float32Array) : [];
    assert.ok(floats.every((x) => x >= -1 && x < 1));
    const ints = a[1].kind === 'tensor' ? Array.from(a[1].data as BigInt64Array) : [];
    assert.ok(ints.every((x) => x >= 0n && x < 10n));
  });
});
