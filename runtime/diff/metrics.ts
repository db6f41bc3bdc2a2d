import { NumericMetrics } from './diffTypes';

/**
 * Running sums for comparing two tensors element by element. Feed it
 * widened values batch by batch; `identicalBatch` adds a stretch known to be
 * bit-identical from one side's values alone.
 */
export class MetricsAccumulator {
  private elements = 0;
  private changed = 0;
  private nonFinite = 0;
  private maxAbs = 0;
  private sumAbs = 0;
  private sumSqDiff = 0;
  private sumSqA = 0;
  private sumSqB = 0;
  private dot = 0;

  /** Adds `count` element pairs. */
  add(a: Float64Array, b: Float64Array, count: number): void {
    let maxAbs = this.maxAbs;
    let sumAbs = 0;
    let sumSqDiff = 0;
    let sumSqA = 0;
    let sumSqB = 0;
    let dot = 0;
    let changed = 0;
    for (let i = 0; i < count; i++) {
      const x = a[i];
      const y = b[i];
      const d = x - y;
      const ad = d < 0 ? -d : d;
      if (d !== 0) changed++;
      if (ad > maxAbs) maxAbs = ad;
      sumAbs += ad;
      sumSqDiff += d * d;
      sumSqA += x * x;
      sumSqB += y * y;
      dot += x * y;
    }
    // NaN or infinity somewhere poisons the sums: redo this batch element by element, leaving those pairs out.
    if (!Number.isFinite(sumSqDiff + sumSqA + sumSqB + dot + sumAbs)) {
      this.addCarefully(a, b, count);
      return;
    }
    this.elements += count;
    this.changed += changed;
    this.maxAbs = maxAbs;
    this.sumAbs += sumAbs;
    this.sumSqDiff += sumSqDiff;
    this.sumSqA += sumSqA;
    this.sumSqB += sumSqB;
    this.dot += dot;
  }

  /** Adds `count` pairs whose two sides are bit-identical, given one side's values. */
  identicalBatch(a: Float64Array, count: number): void {
    let sumSq = 0;
    for (let i = 0; i < count; i++) sumSq += a[i] * a[i];
    if (!Number.isFinite(sumSq)) {
      this.addCarefully(a, a, count);
      return;
    }
    this.elements += count;
    this.sumSqA += sumSq;
    this.sumSqB += sumSq;
    this.dot += sumSq;
  }

  private addCarefully(a: Float64Array, b: Float64Array, count: number): void {
    for (let i = 0; i < count; i++) {
      const x = a[i];
      const y = b[i];
      this.elements++;
      // Two NaNs with the same bits count as unchanged only when the caller knows the bytes are equal (a === b).
      if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(x * x) || !Number.isFinite(y * y)) {
        this.nonFinite++;
        if (a !== b && !Object.is(x, y)) this.changed++;
        continue;
      }
      const d = x - y;
      const ad = Math.abs(d);
      if (d !== 0) this.changed++;
      if (ad > this.maxAbs) this.maxAbs = ad;
      this.sumAbs += ad;
      this.sumSqDiff += d * d;
      this.sumSqA += x * x;
      this.sumSqB += y * y;
      this.dot += x * y;
    }
  }

  result(): NumericMetrics {
    const normA = Math.sqrt(this.sumSqA);
    const normB = Math.sqrt(this.sumSqB);
    const normDiff = Math.sqrt(this.sumSqDiff);
    const finite = this.elements - this.nonFinite;
    return {
      elements: this.elements,
      changedElements: this.changed,
      maxAbsDiff: this.maxAbs,
      meanAbsDiff: finite > 0 ? this.sumAbs / finite : 0,
      relL2: normA > 0 ? normDiff / normA : normDiff === 0 ? 0 : null,
      // Rounding can push the ratio a hair past ±1.
      cosine: normA > 0 && normB > 0 ? Math.max(-1, Math.min(1, this.dot / (normA * normB))) : null,
      normA,
      normB,
      nonFinite: this.nonFinite,
    };
  }
}

/** Metrics of two bit-identical tensors whose values were not read (cosine 1 by convention, even for all-zero tensors). */
export function identicalMetrics(elements: number): NumericMetrics {
  return {
    elements,
    changedElements: 0,
    maxAbsDiff: 0,
    meanAbsDiff: 0,
    relL2: 0,
    cosine: 1,
    normA: null,
    normB: null,
    nonFinite: 0,
  };
}
