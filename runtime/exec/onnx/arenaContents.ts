import { SymTensor } from './symTensor';

/** Bytes [start, end) of an arena hold bytes [srcStart + (start − start₀)…) of graph tensor `src`, written at `seq`. */
export interface Segment {
  start: number;
  end: number;
  /** Write order; 0 for contents the call started with (carried state). */
  seq: number;
  src: SymTensor;
  /** Arena address of `src`'s first byte. */
  srcStart: number;
}

/**
 * What the planned arenas hold at this point of the lowering, as graph
 * tensors: for every written byte range, the tensor last written there.
 * The ONNX lowering reads a planned value through it, so a value that
 * nothing wrote but whose bytes another value wrote (a static view the
 * exporter turned into an alias) becomes a reinterpretation of that write.
 */
export class ArenaContents {
  private readonly arenas = new Map<number, Segment[]>();
  private counter = 0;

  /** Sequence number of the latest write. */
  get seq(): number {
    return this.counter;
  }

  /** Records that `src` was written at [start, start + bytes); returns the write's sequence number. */
  write(memoryId: number, start: number, end: number, src: SymTensor): number {
    this.counter++;
    const kept = this.outside(memoryId, start, end);
    kept.push({ start, end, seq: this.counter, src, srcStart: start });
    this.arenas.set(
      memoryId,
      kept.sort((a, b) => a.start - b.start),
    );
    return this.counter;
  }

  /** Records contents the call started with (`src` at `srcStart`) where nothing is recorded yet in [start, end). */
  fillGaps(memoryId: number, start: number, end: number, src: SymTensor, srcStart: number): void {
    const segments = this.arenas.get(memoryId) ?? [];
    const added: Segment[] = [];
    let at = start;
    for (const s of segments) {
      if (s.end <= at || s.start >= end) continue;
      if (s.start > at) added.push({ start: at, end: s.start, seq: 0, src, srcStart });
      at = Math.max(at, s.end);
    }
    if (at < end) added.push({ start: at, end, seq: 0, src, srcStart });
    this.arenas.set(
      memoryId,
      [...segments, ...added].sort((a, b) => a.start - b.start),
    );
  }

  /** The recorded segments overlapping [start, end), clipped to it, in address order. */
  query(memoryId: number, start: number, end: number): Segment[] {
    const out: Segment[] = [];
    for (const s of this.arenas.get(memoryId) ?? []) {
      if (s.end <= start || s.start >= end) continue;
      out.push({ ...s, start: Math.max(s.start, start), end: Math.min(s.end, end) });
    }
    return out;
  }

  /** Bytes of [start, end) not covered by any segment. */
  gaps(memoryId: number, start: number, end: number): [number, number][] {
    const out: [number, number][] = [];
    let at = start;
    for (const s of this.query(memoryId, start, end)) {
      if (s.start > at) out.push([at, s.start]);
      at = Math.max(at, s.end);
    }
    if (at < end) out.push([at, end]);
    return out;
  }

  /** Segments of the arena outside [start, end) (those overlapping it are cut). */
  private outside(memoryId: number, start: number, end: number): Segment[] {
    const out: Segment[] = [];
    for (const s of this.arenas.get(memoryId) ?? []) {
      if (s.end <= start || s.start >= end) {
        out.push(s);
        continue;
      }
      if (s.start < start) out.push({ ...s, end: start });
      if (s.end > end) out.push({ ...s, start: end });
    }
    return out;
  }
}
