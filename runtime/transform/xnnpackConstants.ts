import { XnnpackGraph } from '../format/xnnpack/xnnpackTypes';
import { namedKeyFor, writeXnnpackPayload, XnnConstantInput } from '../format/writer/writeXnnpack';

/**
 * An XNNPACK payload whose weights are inside it (exports from 2024 to
 * 2025-03: the payload's constant region, or the bare payload's
 * `constant_buffer`) rewritten the way the exporter has written them since:
 * each constant of at least `minBytes` refers to named data by the SHA-256
 * of its bytes, the payload carries none of them (an `XH00` payload, the only
 * kind that can refer to named data). Null when no constant moves.
 */
export function externalizeXnnpackConstants(
  payload: Uint8Array,
  graph: XnnpackGraph,
  minBytes: number,
): { payload: Uint8Array; blobs: { key: string; bytes: Uint8Array }[] } | null {
  const blobs: { key: string; bytes: Uint8Array }[] = [];
  const constants: XnnConstantInput[] = graph.constants.map((c) => {
    if ((c.source !== 'payload' && c.source !== 'legacyBuffer') || !c.range || c.range.length < minBytes) return c;
    const bytes = payload.subarray(c.range.offset, c.range.offset + c.range.length);
    const key = namedKeyFor(bytes);
    blobs.push({ key, bytes });
    return { source: 'namedKey', namedKey: key, size: bytes.length };
  });
  if (blobs.length === 0) return null;
  // Constants left in a bare payload's constant_buffer move to the XH00 constant region with the rest.
  const kept = constants.map((c) => (c.source === 'legacyBuffer' ? { ...c, source: 'payload' as const } : c));
  return { payload: writeXnnpackPayload({ ...graph, container: 'XH00', constants: kept }, payload), blobs };
}
