import { DataRange } from '../dataRange';
import { XnnConstant, XnnpackGraph, XnnValue } from './xnnpackTypes';
import { elementSizeOf } from '../scalarType';
import { xnnUnpackedDtype } from './datatypes';

/**
 * Finds a named blob by key in the data maps a delegate would see (the
 * program's `named_data` merged with any `.ptd` files). `where` names the map
 * that holds it, e.g. `program named_data` or a `.ptd` path.
 */
export type NamedDataLookup = (key: string) => { size: number; where: string } | undefined;

/** One use of constant data by a value: its own bytes, or its quantization scales. */
export interface ConstantUse {
  /** Position of the value in `xvalues`. */
  valueIndex: number;
  idOut: number;
  /** `data`: the tensor's bytes (`constant_buffer_idx`); `scales`: per-channel scales (`scale_buffer_idx`). */
  role: 'data' | 'scales';
  constantIndex: number;
  /** Where the payload says the bytes are; `missing` when the index points past the constant table. */
  source: XnnConstant['source'] | 'missing';
  namedKey: string | null;
  /** The map holding a named key (from the lookup), or `payload constant data` / `payload constant_buffer`; null when not found. */
  where: string | null;
  /** For bytes inside the payload: their range measured from the start of the payload. */
  range: DataRange | null;
  /** Those bytes, as a view of the payload. */
  bytes: Uint8Array | null;
  /** Bytes the payload records for the constant. */
  recordedSize: number | null;
  /** Bytes actually available where it points (the named blob's size for named keys). */
  availableSize: number | null;
  /** Bytes the value needs (dims × element size, or scales × scale width); null for packed sub-byte types. */
  neededSize: number | null;
  /** Why the runtime could not use these bytes; empty when all is well. */
  problems: string[];
}

function tensorBytes(v: XnnValue): number | null {
  const dtype = xnnUnpackedDtype(v.datatype);
  const size = dtype === null ? undefined : elementSizeOf(dtype);
  return size === undefined ? null : v.dims.reduce((n, d) => n * d, size);
}

/** Per-channel scales are f32 in the buffer; per-channel-group scales are bf16. */
function scaleBytes(v: XnnValue): { index: number; bytes: number } | null {
  const q = v.quantization;
  if (!q || (q.kind !== 'perChannel' && q.kind !== 'perChannelGroup') || q.scaleBufferIdx === 0) return null;
  return { index: q.scaleBufferIdx, bytes: q.numScales * (q.kind === 'perChannel' ? 4 : 2) };
}

/**
 * Says, for every constant a value uses, where its bytes are and what is
 * wrong with them (key not found, size mismatch, too small, bad index).
 * `payload` must be the bytes the graph was decoded from.
 */
export function resolveXnnpackConstants(
  graph: XnnpackGraph,
  payload: Uint8Array,
  lookup: NamedDataLookup,
): ConstantUse[] {
  const out: ConstantUse[] = [];
  for (const v of graph.values) {
    if (v.constantIndex !== 0) out.push(resolveOne(graph, payload, lookup, v, 'data', v.constantIndex, tensorBytes(v)));
    const scales = scaleBytes(v);
    if (scales) out.push(resolveOne(graph, payload, lookup, v, 'scales', scales.index, scales.bytes));
  }
  return out;
}

function resolveOne(
  graph: XnnpackGraph,
  payload: Uint8Array,
  lookup: NamedDataLookup,
  v: XnnValue,
  role: ConstantUse['role'],
  index: number,
  neededSize: number | null,
): ConstantUse {
  const use: ConstantUse = {
    valueIndex: v.index,
    idOut: v.idOut,
    role,
    constantIndex: index,
    source: 'missing',
    namedKey: null,
    where: null,
    range: null,
    bytes: null,
    recordedSize: null,
    availableSize: null,
    neededSize,
    problems: [],
  };
  const c = graph.constants[index];
  if (!c || c.source === 'none') {
    use.problems.push(
      `constant index ${index} is out of range (${graph.constants.length} constants, entry 0 is unused)`,
    );
    return use;
  }
  use.source = c.source;
  use.recordedSize = c.size;
  if (c.source === 'namedKey') {
    use.namedKey = c.namedKey;
    const found = lookup(c.namedKey ?? '');
    if (!found) {
      use.problems.push(`named data "${c.namedKey}" is not in the program's named data or any loaded .ptd`);
      return use;
    }
    use.where = found.where;
    use.availableSize = found.size;
    if (found.size !== c.size)
      use.problems.push(`payload records ${c.size} bytes for "${c.namedKey}", ${found.where} holds ${found.size}`);
  } else if (c.range) {
    use.where = c.source === 'payload' ? 'payload constant data' : 'payload constant_buffer';
    use.range = c.range;
    if (c.range.offset + c.range.length <= payload.length) {
      use.bytes = payload.subarray(c.range.offset, c.range.offset + c.range.length);
      use.availableSize = c.range.length;
    } else {
      use.problems.push(
        `bytes ${c.range.offset}..${c.range.offset + c.range.length} lie outside the payload (${payload.length} bytes)`,
      );
    }
  }
  if (neededSize !== null && use.availableSize !== null && use.availableSize < neededSize) {
    use.problems.push(
      `${role === 'data' ? `${v.datatype} tensor [${v.dims.join(', ')}]` : 'scales'} need ${neededSize} bytes, only ${use.availableSize} available`,
    );
  }
  return use;
}

/**
 * Every named key the graph's values use (their data and scale buffers), each
 * once, in first-use order, with the size the payload records. A linker checks
 * these against the program's named data and the `.ptd` files.
 */
export function xnnpackNamedKeys(graph: XnnpackGraph): { key: string; size: number }[] {
  const seen = new Map<string, number>();
  const add = (index: number) => {
    const c = graph.constants[index];
    if (c && c.source === 'namedKey' && c.namedKey !== null && !seen.has(c.namedKey)) seen.set(c.namedKey, c.size);
  };
  for (const v of graph.values) {
    if (v.constantIndex !== 0) add(v.constantIndex);
    const scales = scaleBytes(v);
    if (scales) add(scales.index);
  }
  return [...seen].map(([key, size]) => ({ key, size }));
}
