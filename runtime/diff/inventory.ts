import { DelegatePayload } from '../format/delegatePayloads';
import { DataEntry, DataFile } from '../format/ptd/ptdTypes';
import { Program, TensorValue } from '../format/pte/pteTypes';
import { XnnpackGraph } from '../format/xnnpack/xnnpackTypes';
import { externalTensors } from '../link/externalTensors';
import { LinkResult } from '../link/linkTypes';
import { TensorBytes } from './compareBytes';
import { xnnUnpackedDtype } from '../format/xnnpack/datatypes';
import { elementCount, numericType } from './numericElements';
import { TensorSide } from './diffTypes';

/** One tensor or blob of one side, by key: what the result shows and where to read it. */
export interface InventoryItem {
  key: string;
  side: TensorSide;
  /** Null when there are no bytes to read (`missing`, or a range the file does not have). */
  bytes: TensorBytes | null;
  /** The data file holding it, for `dataFile` items. */
  dataFile: DataFile | null;
  /** False for constants without a fully qualified name, keyed by value index: such keys mean nothing across programs. */
  named: boolean;
}

export type Inventory = Map<string, InventoryItem>;

interface Layout {
  dtype: string;
  shape: number[];
}

/** Every key of one data file, in file order; a repeated key keeps its first entry, as lookups do. */
export function dataFileInventory(
  file: DataFile,
  extraLayouts: Map<string, Layout & { from: TensorSide['layoutFrom'] }> = new Map(),
  users: Map<string, string[]> = new Map(),
): Inventory {
  const out: Inventory = new Map();
  for (const e of file.entries) {
    if (!out.has(e.key)) out.set(e.key, dataFileItem(file, e, extraLayouts.get(e.key) ?? null, users.get(e.key) ?? []));
  }
  return out;
}

function dataFileItem(
  file: DataFile,
  e: DataEntry,
  fallback: (Layout & { from: TensorSide['layoutFrom'] }) | null,
  users: string[],
): InventoryItem {
  const layout = e.layout ? { dtype: e.layout.dtype, shape: [...e.layout.sizes], from: 'dataFile' as const } : fallback;
  return {
    key: e.key,
    side: {
      file: file.source.name,
      origin: 'dataFile',
      dtype: layout?.dtype ?? null,
      shape: layout?.shape ?? null,
      layoutFrom: layout?.from ?? null,
      offset: e.range.offset,
      bytes: e.range.length,
      users,
    },
    bytes: { source: file.source, range: e.range, dtype: layout?.dtype ?? null, shape: layout?.shape ?? null },
    dataFile: file,
    named: true,
  };
}

/**
 * dtype and shape of named blobs, from the XNNPACK values that use them:
 * tensor data of unpacked datatypes and per-channel scales. Only layouts
 * whose byte size matches the blob's are kept by the caller.
 */
function xnnpackLayouts(payloads: readonly DelegatePayload[]): Map<string, Layout> {
  const out = new Map<string, Layout>();
  const note = (graph: XnnpackGraph, index: number, layout: Layout | null) => {
    const c = graph.constants[index];
    if (layout && c?.source === 'namedKey' && c.namedKey !== null && !out.has(c.namedKey)) out.set(c.namedKey, layout);
  };
  for (const p of payloads) {
    if (p.status !== 'xnnpack') continue;
    for (const v of p.graph.values) {
      const dtype = xnnUnpackedDtype(v.datatype);
      if (v.constantIndex !== 0) note(p.graph, v.constantIndex, dtype ? { dtype, shape: [...v.dims] } : null);
      const q = v.quantization;
      if (q && (q.kind === 'perChannel' || q.kind === 'perChannelGroup') && q.scaleBufferIdx !== 0) {
        note(p.graph, q.scaleBufferIdx, {
          dtype: q.kind === 'perChannel' ? 'float32' : 'bfloat16',
          shape: [q.numScales],
        });
      }
    }
  }
  return out;
}

function fits(layout: Layout, bytes: number): boolean {
  const n = elementCount(layout.shape);
  const type = numericType(layout.dtype);
  return n !== null && !!type && n * type.size === bytes;
}

/**
 * The inventory key of a method's tensor value: its fully qualified name,
 * else (for constants and initial values stored in the program)
 * `method.values[i]`; null for tensors without stored bytes.
 */
export function valueKey(methodName: string, valueIndex: number, t: TensorValue): string | null {
  if (t.kind === 'external' || t.kind === 'externalMutable') return t.fullyQualifiedName;
  if (t.kind === 'constant' || t.kind === 'mutableWithInitialValue')
    return t.fullyQualifiedName ?? `${methodName}.values[${valueIndex}]`;
  return null;
}

/**
 * Everything with bytes one side of a linked diff has, by key: the program's
 * constants (by fully qualified name, else `method.values[i]`), initial
 * values of mutable tensors, its `named_data`, every key of its data files,
 * and EXTERNAL tensors no data file holds (as `missing`). A key that both the
 * program's `named_data` and a data file hold (the runtime refuses that) keeps
 * the data file's under the key and the program's as `key (named_data)`.
 */
export function programInventory(
  program: Program,
  dataFiles: readonly DataFile[],
  payloads: readonly DelegatePayload[],
  link: LinkResult,
): Inventory {
  const out: Inventory = new Map();
  const file = program.source.name;
  const users = new Map<string, string[]>();
  const use = (key: string, who: string) => {
    const list = users.get(key) ?? [];
    if (!list.includes(who)) list.push(who);
    users.set(key, list);
  };
  const programLayouts = new Map<string, Layout & { from: TensorSide['layoutFrom'] }>();
  for (const r of externalTensors(program).named) {
    use(r.key, `${r.method}.values[${r.valueIndex}]`);
    if (!programLayouts.has(r.key))
      programLayouts.set(r.key, { dtype: r.tensor.dtype, shape: [...r.tensor.sizes], from: 'program' });
  }
  for (const ref of link.references) use(ref.reference.key, ref.reference.origin);
  const xnn = xnnpackLayouts(payloads);

  for (const method of program.methods) {
    method.values.forEach((v, i) => {
      if (v.kind !== 'tensor' || (v.tensor.kind !== 'constant' && v.tensor.kind !== 'mutableWithInitialValue')) return;
      const t = v.tensor;
      const who = `${method.name}.values[${i}]`;
      const key = valueKey(method.name, i, t)!;
      const existing = out.get(key);
      if (existing) {
        existing.side.users.push(who);
        return;
      }
      out.set(key, {
        key,
        side: {
          file,
          origin: t.kind === 'constant' ? 'constant' : 'mutable',
          dtype: t.dtype,
          shape: [...t.sizes],
          layoutFrom: 'program',
          offset: t.data?.offset ?? null,
          bytes: t.data?.length ?? t.nbytes ?? 0,
          users: [who],
        },
        bytes: t.data ? { source: program.source, range: t.data, dtype: t.dtype, shape: [...t.sizes] } : null,
        dataFile: null,
        named: t.fullyQualifiedName !== null,
      });
    });
  }

  const held = new Set(dataFiles.flatMap((f) => f.entries.map((e) => e.key)));
  for (const nd of program.namedData) {
    const key = held.has(nd.key) ? `${nd.key} (named_data)` : nd.key;
    if (out.has(key)) continue;
    const guess = xnn.get(nd.key);
    const layout = guess && nd.data && fits(guess, nd.data.length) ? guess : null;
    out.set(key, {
      key,
      side: {
        file,
        origin: 'namedData',
        dtype: layout?.dtype ?? null,
        shape: layout?.shape ?? null,
        layoutFrom: layout ? 'xnnpack' : null,
        offset: nd.data?.offset ?? null,
        bytes: nd.data?.length ?? 0,
        users: users.get(nd.key) ?? [],
      },
      bytes: nd.data
        ? { source: program.source, range: nd.data, dtype: layout?.dtype ?? null, shape: layout?.shape ?? null }
        : null,
      dataFile: null,
      named: true,
    });
  }

  for (const f of dataFiles) {
    const fallback = new Map(programLayouts);
    for (const e of f.entries) {
      const guess = xnn.get(e.key);
      if (!fallback.has(e.key) && guess && fits(guess, e.range.length))
        fallback.set(e.key, { ...guess, from: 'xnnpack' });
    }
    for (const [key, item] of dataFileInventory(f, fallback, users)) if (!out.has(key)) out.set(key, item);
  }

  for (const m of link.missing) {
    if (out.has(m.key)) continue;
    out.set(m.key, {
      key: m.key,
      side: {
        file,
        origin: 'missing',
        dtype: m.dtype,
        shape: m.shape,
        layoutFrom: 'program',
        offset: null,
        bytes: 0,
        users: users.get(m.key) ?? [],
      },
      bytes: null,
      dataFile: null,
      named: true,
    });
  }
  return out;
}
