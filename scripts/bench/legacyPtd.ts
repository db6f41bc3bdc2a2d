import * as flatbuffers from 'flatbuffers';
import { FileSource } from '../../runtime/format/byteSource';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import * as leg from '../../runtime/format/generated/flat_tensor_legacy_generated';
import { PTD_HEADER_MAGIC, PTD_HEADER_MIN_LENGTH } from '../../runtime/format/ptd/header';
import { insertHeader } from '../../runtime/format/writer/flatbufferBytes';
import { alignUp, HeaderBytes } from '../../runtime/format/writer/layout';
import { writeLayoutFile } from '../../runtime/format/writer/writeLayoutFile';
import { rangeBlob } from '../../runtime/transform/rangeBlob';

const ALIGNMENT = 16;

/**
 * Writes `from` (a current-layout `.ptd` whose entries all have layouts) in
 * the layout of 2025-01-28 … 2025-06-09, as the exporter of ExecuTorch 0.6
 * did: every tensor in one segment at a multiple of 16, described in the
 * `tensors` table. Bytes are streamed. For benchmarking `convert` on a file
 * of realistic size; no such file is published.
 */
export async function writeLegacyPtd(from: string, to: string): Promise<void> {
  const source = await FileSource.open(from);
  try {
    const file = await decodePtd(source);
    const offsets: number[] = [];
    let end = 0;
    for (const e of file.entries) {
      end = alignUp(end, ALIGNMENT);
      offsets.push(end);
      end += e.range.length;
    }
    const b = new flatbuffers.Builder(1 << 16);
    const tensors = file.entries.map((e, i) => {
      if (!e.layout) throw new Error(`${e.key} has no layout; the legacy layout has none for tensors`);
      return leg.TensorMetadata.createTensorMetadata(
        b,
        b.createString(e.key),
        e.layout.scalarType,
        leg.TensorMetadata.createSizesVector(b, e.layout.sizes),
        leg.TensorMetadata.createDimOrderVector(b, e.layout.dimOrder),
        0,
        BigInt(offsets[i]),
      );
    });
    const root = leg.FlatTensor.createFlatTensor(
      b,
      0,
      ALIGNMENT,
      leg.FlatTensor.createTensorsVector(b, tensors),
      leg.FlatTensor.createSegmentsVector(b, [leg.DataSegment.createDataSegment(b, 0n, BigInt(end))]),
      leg.FlatTensor.createNamedDataVector(b, []),
    );
    leg.FlatTensor.finishFlatTensorBuffer(b, root);
    const flatbuffer = b.asUint8Array();
    const headerSize = alignUp(PTD_HEADER_MIN_LENGTH, ALIGNMENT);
    const base = alignUp(headerSize + flatbuffer.length, ALIGNMENT);
    const header = new HeaderBytes(headerSize)
      .ascii(0, PTD_HEADER_MAGIC)
      .u32(4, PTD_HEADER_MIN_LENGTH)
      .u64(8, headerSize)
      .u64(16, flatbuffer.length)
      .u64(24, base)
      .u64(32, end);
    const prefix = new Uint8Array(base);
    prefix.set(insertHeader(flatbuffer, header.bytes), 0);
    await writeLayoutFile(to, {
      prefix,
      blobs: file.entries.map((e, i) => ({
        fileOffset: base + offsets[i],
        blob: rangeBlob(source, e.range.offset, e.range.length),
        path: e.key,
      })),
      fileSize: base + end,
    });
  } finally {
    await source.close();
  }
}
