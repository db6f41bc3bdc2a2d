import * as assert from 'node:assert/strict';
import { DTYPES, elementSize } from '../../runtime/exec/tensor';
import { xnnStorageDtype } from '../../runtime/exec/xnnpack/quantization';
import { elementSizeOf, scalarTypeByName, scalarTypeCode } from '../../runtime/format/scalarType';
import { xnnUnpackedDtype } from '../../runtime/format/xnnpack/datatypes';
import { elementSize as sampleElementSize, SAMPLE_DTYPES, SCALAR_TYPE } from '../../runtime/samples/dtypes';
import { numericType } from '../../runtime/diff/numericElements';
import { elementReader, READABLE_DTYPES } from '../../runtime/view/elementReaders';
import { formatBytes } from '../../runtime/text/formatBytes';

describe('one byte formatter and one dtype table', () => {
  it('formats byte counts as the CLI, the diff, the tree and the webviews show them', () => {
    assert.deepEqual([0, 1023, 1024, 1536, 9410, 1024 ** 2 - 1, 3.2 * 1024 ** 2, 2.3 * 1024 ** 3].map(formatBytes), [
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '9.2 KiB',
      '1024.0 KiB',
      '3.2 MiB',
      '2.30 GiB',
    ]);
  });

  it('sizes every dtype the same way in the decoders, the engines, the samples, the diff and the views', () => {
    assert.equal(elementSizeOf('float32'), 4);
    assert.equal(elementSizeOf('bfloat16'), 2);
    assert.equal(elementSizeOf('no such type'), undefined);
    for (const d of DTYPES) assert.equal(elementSize(d), scalarTypeByName(d)!.elementSize, d);
    for (const d of SAMPLE_DTYPES) assert.equal(sampleElementSize(d), elementSizeOf(d), d);
    for (const [name, code] of Object.entries(SCALAR_TYPE)) assert.equal(code, scalarTypeCode(name), name);
    for (const d of READABLE_DTYPES) assert.equal(elementReader(d)!.size, elementSizeOf(d), d);
    for (const d of ['float32', 'float16', 'bfloat16', 'int64', 'bool', 'qint8'])
      assert.equal(numericType(d)!.size, elementSizeOf(d), d);
    assert.throws(() => scalarTypeCode('float128'), /no ExecuTorch scalar type is named float128/);
  });

  it('maps XNNPACK datatypes to the dtypes their constants are stored as, once', () => {
    assert.equal(xnnUnpackedDtype('fp32'), 'float32');
    assert.equal(xnnUnpackedDtype('qcint8'), 'int8');
    assert.equal(xnnUnpackedDtype('qcint4'), null);
    for (const d of ['fp32', 'fp16', 'bf16', 'int32', 'qint8', 'qcint8', 'qdint8', 'quint8', 'qint32', 'qcint32'])
      assert.equal(xnnStorageDtype(d), xnnUnpackedDtype(d), d);
    assert.equal(xnnStorageDtype('qcint4'), 'uint8');
    assert.equal(xnnStorageDtype('qpint8'), null);
  });
});
