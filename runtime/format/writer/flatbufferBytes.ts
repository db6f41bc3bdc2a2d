import * as flatbuffers from 'flatbuffers';

/**
 * A `[ubyte]` vector whose data starts at a multiple of `alignment` from the
 * end of the buffer; `finish` pads the whole buffer to the largest alignment
 * used, so the data is aligned from byte 0 as well (the schema's
 * `force_align`). The generated `create…Vector` helpers align to 1 only.
 */
export function createAlignedByteVector(
  builder: flatbuffers.Builder,
  bytes: Uint8Array,
  alignment: number,
): flatbuffers.Offset {
  builder.startVector(1, bytes.length, alignment);
  // startVector reserved the room; pad() moves past it so the bytes can be copied in one go.
  builder.pad(bytes.length);
  const buffer = builder.dataBuffer();
  buffer.bytes().set(bytes, buffer.capacity() - builder.offset());
  return builder.endVector();
}

/**
 * Splices `header` into a finished flatbuffer right after its file
 * identifier (byte 8) and moves the root offset past it, so the result is
 * still a flatbuffer read from byte 0 — how ExecuTorch inserts the `eh00` and
 * `FH01` headers. `header.length` must be a multiple of the buffer's largest
 * alignment so that aligned data stays aligned.
 */
export function insertHeader(flatbuffer: Uint8Array, header: Uint8Array): Uint8Array {
  const out = new Uint8Array(flatbuffer.length + header.length);
  const view = new DataView(out.buffer);
  const root = new DataView(flatbuffer.buffer, flatbuffer.byteOffset, 4).getUint32(0, true);
  view.setUint32(0, root + header.length, true);
  out.set(flatbuffer.subarray(4, 8), 4);
  out.set(header, 8);
  out.set(flatbuffer.subarray(8), 8 + header.length);
  return out;
}
