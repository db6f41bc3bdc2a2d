import { ByteSource } from '../format/byteSource';
import { ChunkBuffers } from './chunkBuffers';
import { ByteComparison, compareTensorBytes } from './compareBytes';
import { elementCount, numericType } from './numericElements';
import { InventoryItem } from './inventory';
import { layerOf } from './layers';
import { identicalMetrics } from './metrics';
import { DiffOptions, TensorDiff } from './diffTypes';
import { formatBytes } from '../text/formatBytes';
import { formatShape } from '../text/formatShape';

/**
 * Compares tensors key by key. Remembers comparisons by byte range, since
 * files store identical blobs once and let several keys share them.
 */
export class TensorComparer {
  private readonly done = new Map<string, Promise<ByteComparison>>();
  private readonly buffers = new ChunkBuffers();
  /** Comparisons run one after another: they share the chunk buffers. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Sources by identity: two in-memory sources may share a name. */
  private readonly sourceIds = new WeakMap<ByteSource, number>();
  private nextSourceId = 0;

  constructor(private readonly options: DiffOptions = {}) {}

  /**
   * `shared`: both items come from one data file (see `sameDataFile`), so
   * their bytes are identical when they are the same range.
   */
  async compare(
    key: string,
    a: InventoryItem | null,
    b: InventoryItem | null,
    shared = false,
    keys: TensorDiff['keys'] = null,
  ): Promise<TensorDiff> {
    const layer = layerOf(key);
    if (!a || !b) {
      return {
        key,
        keys,
        layer,
        status: a ? 'removed' : 'added',
        a: a?.side ?? null,
        b: b?.side ?? null,
        changes: [],
        bytesIdentical: null,
        shared: false,
        sha256: null,
        metrics: null,
      };
    }
    const changes = layoutChanges(a, b);
    const base = { key, keys, layer, a: a.side, b: b.side, changes, sha256: null };
    if (!a.bytes || !b.bytes) {
      if (!a.bytes && !b.bytes)
        return {
          ...base,
          status: changes.length ? 'changed' : 'identical',
          bytesIdentical: null,
          shared: false,
          metrics: null,
        };
      changes.push(a.bytes ? 'no bytes in b' : 'no bytes in a');
      return { ...base, status: 'changed', bytesIdentical: null, shared: false, metrics: null };
    }
    if (
      shared &&
      a.bytes.range.offset === b.bytes.range.offset &&
      a.bytes.range.length === b.bytes.range.length &&
      !this.options.verifyShared
    ) {
      const n = sameNumericShape(a, b);
      return {
        ...base,
        status: changes.length ? 'changed' : 'identical',
        bytesIdentical: true,
        shared: true,
        metrics: n === null ? null : identicalMetrics(n),
      };
    }
    const result = await this.compareBytes(a, b);
    if (!result.bytesIdentical) {
      // A dtype change that keeps every value (float32 → bfloat16 of representable values) is only the dtype change.
      if (result.metrics) {
        if (result.metrics.changedElements > 0) changes.push('values');
        else if (a.side.dtype === b.side.dtype) changes.push('bytes differ, values equal (padding, -0, NaN payloads)');
      } else {
        changes.push(
          a.side.bytes === b.side.bytes ? 'bytes' : `size ${formatBytes(a.side.bytes)} → ${formatBytes(b.side.bytes)}`,
        );
      }
    }
    return {
      ...base,
      status: changes.length ? 'changed' : 'identical',
      bytesIdentical: result.bytesIdentical,
      shared: false,
      sha256: result.sha256,
      metrics: result.metrics,
    };
  }

  private compareBytes(a: InventoryItem, b: InventoryItem): Promise<ByteComparison> {
    const ta = a.bytes!;
    const tb = b.bytes!;
    const id = [
      this.sourceId(ta.source),
      ta.range.offset,
      ta.range.length,
      ta.dtype,
      formatShape(ta.shape),
      this.sourceId(tb.source),
      tb.range.offset,
      tb.range.length,
      tb.dtype,
      formatShape(tb.shape),
    ].join('\u0000');
    let p = this.done.get(id);
    if (!p) {
      p = this.queue.then(() => compareTensorBytes(ta, tb, this.options, this.buffers));
      this.queue = p.catch(() => undefined);
      this.done.set(id, p);
    }
    return p;
  }

  private sourceId(source: ByteSource): number {
    let id = this.sourceIds.get(source);
    if (id === undefined) this.sourceIds.set(source, (id = this.nextSourceId++));
    return id;
  }
}

function layoutChanges(a: InventoryItem, b: InventoryItem): string[] {
  const out: string[] = [];
  const sa = a.side;
  const sb = b.side;
  if (sa.dtype !== null && sb.dtype !== null && sa.dtype !== sb.dtype) out.push(`dtype ${sa.dtype} → ${sb.dtype}`);
  if (sa.shape && sb.shape && formatShape(sa.shape) !== formatShape(sb.shape))
    out.push(`shape ${formatShape(sa.shape)} → ${formatShape(sb.shape)}`);
  if ((sa.dtype === null) !== (sb.dtype === null))
    out.push(sa.dtype === null ? 'gains a tensor layout' : 'loses its tensor layout');
  if (sa.origin === 'missing' || sb.origin === 'missing') {
    if (sa.origin !== sb.origin) out.push(sa.origin === 'missing' ? 'missing in a' : 'missing in b');
  }
  return out;
}

function sameNumericShape(a: InventoryItem, b: InventoryItem): number | null {
  const { dtype, shape } = a.side;
  if (!shape || !numericType(dtype) || dtype !== b.side.dtype || formatShape(shape) !== formatShape(b.side.shape))
    return null;
  return elementCount(shape);
}
