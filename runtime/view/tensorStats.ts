import { ElementReader } from './elementReaders';
import { HistogramView, TensorStatsView } from './viewTypes';

/** The whole elements of `bytes` as `reader` decodes them: their count and an accessor. */
function elementsOf(reader: ElementReader | null, bytes: Uint8Array): [number, (i: number) => number] {
  if (!reader) throw new Error('this accumulator was made for decoded numbers, not bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = reader.size;
  return [Math.floor(bytes.length / size), (i) => reader.number(view, i * size)];
}

/**
 * Statistics of tensor elements fed chunk by chunk, so a large tensor never
 * has to be in memory at once. Mean and variance are merged per chunk
 * (Chan et al.), which stays accurate over billions of elements.
 */
export class StatsAccumulator {
  private count = 0;
  private finite = 0;
  private nan = 0;
  private posInf = 0;
  private negInf = 0;
  private min = Infinity;
  private max = -Infinity;
  private mean = 0;
  private m2 = 0;

  /** `reader` decodes the bytes `add` is given; `addNumbers` needs none. */
  constructor(private readonly reader: ElementReader | null = null) {}

  /** Adds every whole element of `bytes`. */
  add(bytes: Uint8Array): void {
    const [n, at] = elementsOf(this.reader, bytes);
    this.addChunk(n, at);
  }

  /** Adds already decoded elements, as one chunk. */
  addNumbers(values: ArrayLike<number>): void {
    this.addChunk(values.length, (i) => values[i]);
  }

  private addChunk(n: number, at: (i: number) => number): void {
    let chunkFinite = 0;
    let chunkSum = 0;
    for (let i = 0; i < n; i++) {
      const v = at(i);
      if (Number.isNaN(v)) this.nan++;
      else if (v === Infinity) this.posInf++;
      else if (v === -Infinity) this.negInf++;
      else {
        chunkFinite++;
        chunkSum += v;
        if (v < this.min) this.min = v;
        if (v > this.max) this.max = v;
      }
    }
    this.count += n;
    if (chunkFinite === 0) return;
    const chunkMean = chunkSum / chunkFinite;
    let chunkM2 = 0;
    for (let i = 0; i < n; i++) {
      const v = at(i);
      if (Number.isFinite(v)) chunkM2 += (v - chunkMean) ** 2;
    }
    const total = this.finite + chunkFinite;
    const delta = chunkMean - this.mean;
    this.mean += (delta * chunkFinite) / total;
    this.m2 += chunkM2 + (delta * delta * this.finite * chunkFinite) / total;
    this.finite = total;
  }

  result(): TensorStatsView {
    const any = this.finite > 0;
    return {
      count: this.count,
      finite: this.finite,
      nan: this.nan,
      posInf: this.posInf,
      negInf: this.negInf,
      min: any ? this.min : null,
      max: any ? this.max : null,
      mean: any ? this.mean : null,
      // Population standard deviation, as torch.std(unbiased=False).
      std: any ? Math.sqrt(this.m2 / this.finite) : null,
    };
  }
}

/** Counts finite elements into `bins` equal bins over [min, max]; the last bin includes max. */
export class HistogramAccumulator {
  private readonly counts: number[];

  constructor(
    private readonly reader: ElementReader | null,
    private readonly min: number,
    private readonly max: number,
    bins: number,
  ) {
    this.counts = new Array<number>(bins).fill(0);
  }

  add(bytes: Uint8Array): void {
    const [n, at] = elementsOf(this.reader, bytes);
    this.addChunk(n, at);
  }

  addNumbers(values: ArrayLike<number>): void {
    this.addChunk(values.length, (i) => values[i]);
  }

  private addChunk(n: number, at: (i: number) => number): void {
    const bins = this.counts.length;
    const width = this.max - this.min;
    for (let i = 0; i < n; i++) {
      const v = at(i);
      if (!Number.isFinite(v)) continue;
      const bin = width > 0 ? Math.min(bins - 1, Math.floor(((v - this.min) / width) * bins)) : 0;
      this.counts[bin]++;
    }
  }

  result(): HistogramView {
    return { min: this.min, max: this.max, counts: [...this.counts] };
  }
}

/** Statistics of decoded elements (population std over the finite ones). */
export function numberStats(values: ArrayLike<number>): TensorStatsView {
  const stats = new StatsAccumulator();
  stats.addNumbers(values);
  return stats.result();
}

/** Finite values in `bins` equal bins over the statistics' [min, max]; null when nothing is finite. */
export function numberHistogram(values: ArrayLike<number>, stats: TensorStatsView, bins: number): HistogramView | null {
  if (stats.min === null || stats.max === null) return null;
  const hist = new HistogramAccumulator(null, stats.min, stats.max, bins);
  hist.addNumbers(values);
  return hist.result();
}
