import { TensorBytes } from './compareBytes';
import { Inventory } from './inventory';
import { baseWeightKeys, parseLoraKey } from './layers';
import { DiffOptions, DiffStatus, LoraAdapter, LoraLayerRow, TensorDiff } from './diffTypes';
import { frobeniusNorm, numericElements, readValues } from './streamElements';
import { unionByKey } from './union';

/**
 * Largest lora_a or lora_b matrix held for the analysis (rank × features,
 * 8 MiB as float64; four are held at once): rank 64 over 16 384 features.
 */
export const MAX_LORA_ELEMENTS = 1 << 20;

/** A LoRA pair's factors in memory: A [rank, in], B [out, rank], row-major. */
interface Factors {
  a: Float64Array;
  b: Float64Array;
  rank: number;
  inFeatures: number;
  outFeatures: number;
}

/**
 * ⟨B₁A₁, B₂A₂⟩ (Frobenius inner product) without forming the out × in
 * products: trace(A₁ᵀB₁ᵀB₂A₂) = Σᵢⱼ (A₁A₂ᵀ)ᵢⱼ (B₁ᵀB₂)ᵢⱼ, two rank × rank
 * matrices. Costs rank² × (in + out).
 */
function updateInner(x: Factors, y: Factors): number {
  let sum = 0;
  for (let i = 0; i < x.rank; i++) {
    for (let j = 0; j < y.rank; j++) {
      let ga = 0;
      const ra = i * x.inFeatures;
      const rb = j * y.inFeatures;
      for (let k = 0; k < x.inFeatures; k++) ga += x.a[ra + k] * y.a[rb + k];
      let gb = 0;
      for (let o = 0; o < x.outFeatures; o++) gb += x.b[o * x.rank + i] * y.b[o * y.rank + j];
      sum += ga * gb;
    }
  }
  return sum;
}

interface SideAnalysis {
  adapter: LoraAdapter;
  factors: Factors | null;
}

type Layers = Map<string, { a?: string; b?: string }>;

function loraLayersOf(inventory: Inventory | null): Layers {
  const out: Layers = new Map();
  for (const key of inventory?.keys() ?? []) {
    const k = parseLoraKey(key);
    if (!k) continue;
    const entry = out.get(k.layer) ?? {};
    entry[k.part] = key;
    out.set(k.layer, entry);
  }
  return out;
}

class LoraAnalyzer {
  private readonly norms = new Map<string, Promise<number>>();

  constructor(private readonly options: DiffOptions) {}

  /** ‖W‖, once per byte range: both sides often read the base weight from one foundation file. */
  private norm(t: TensorBytes): Promise<number> {
    const id = `${t.source.name}\u0000${t.range.offset}\u0000${t.range.length}\u0000${t.dtype}`;
    let p = this.norms.get(id);
    if (!p) this.norms.set(id, (p = frobeniusNorm(t, this.options)));
    return p;
  }

  async analyse(inventory: Inventory, layer: string, keys: { a?: string; b?: string }): Promise<SideAnalysis | null> {
    if (!keys.a || !keys.b) return null;
    const ta = inventory.get(keys.a)!.bytes;
    const tb = inventory.get(keys.b)!.bytes;
    const problems: string[] = [];
    const adapter: LoraAdapter = {
      loraAKey: keys.a,
      loraBKey: keys.b,
      rank: 0,
      inFeatures: 0,
      outFeatures: 0,
      updateNorm: null,
      baseKey: null,
      baseNorm: null,
      relativeUpdate: null,
      problems,
    };
    const baseKey = baseWeightKeys(layer).find((k) => inventory.has(k)) ?? null;
    adapter.baseKey = baseKey;
    const sa = ta?.shape;
    const sb = tb?.shape;
    if (
      !ta ||
      !tb ||
      !sa ||
      !sb ||
      sa.length !== 2 ||
      sb.length !== 2 ||
      numericElements(ta) === null ||
      numericElements(tb) === null
    ) {
      problems.push('lora_a and lora_b must be numeric 2-D tensors');
      return { adapter, factors: null };
    }
    const [rank, inFeatures] = sa;
    const [outFeatures, rankB] = sb;
    Object.assign(adapter, { rank, inFeatures, outFeatures });
    if (rank !== rankB) {
      problems.push(`lora_a is [${sa.join(', ')}] but lora_b is [${sb.join(', ')}]: their ranks differ`);
      return { adapter, factors: null };
    }
    let factors: Factors | null = null;
    try {
      factors = {
        a: await readValues(ta, MAX_LORA_ELEMENTS, this.options),
        b: await readValues(tb, MAX_LORA_ELEMENTS, this.options),
        rank,
        inFeatures,
        outFeatures,
      };
      adapter.updateNorm = Math.sqrt(Math.max(0, updateInner(factors, factors)));
    } catch (e) {
      if (this.options.signal?.aborted) throw e;
      problems.push((e as Error).message);
    }
    const base = baseKey ? inventory.get(baseKey)!.bytes : null;
    if (base && numericElements(base) !== null) {
      if (base.shape?.length !== 2 || base.shape[0] !== outFeatures || base.shape[1] !== inFeatures) {
        problems.push(
          `base weight ${baseKey} is [${base.shape?.join(', ')}], the update is [${outFeatures}, ${inFeatures}]`,
        );
      }
      adapter.baseNorm = await this.norm(base);
      if (adapter.baseNorm > 0 && adapter.updateNorm !== null)
        adapter.relativeUpdate = adapter.updateNorm / adapter.baseNorm;
    } else if (baseKey) {
      problems.push(`base weight ${baseKey} is not a numeric tensor`);
    }
    return { adapter, factors };
  }
}

/**
 * Per adapted layer of each side: LoRA rank, ‖B·A‖ and its size relative to
 * the base weight; for layers both sides adapt, ‖B₁A₁ − B₂A₂‖. Layers are
 * found by key (`<layer>.lora_a.weight` + `<layer>.lora_b.weight`). `tensors`
 * (the tensor diff) tells which factors are bit-identical.
 */
export async function diffLoraLayers(
  a: Inventory | null,
  b: Inventory | null,
  tensors: readonly TensorDiff[],
  options: DiffOptions = {},
): Promise<LoraLayerRow[]> {
  const analyzer = new LoraAnalyzer(options);
  const status = new Map(tensors.map((t) => [t.key, t.status] as const));
  const rows: LoraLayerRow[] = [];
  for (const { key: layer, a: ka, b: kb } of unionByKey(loraLayersOf(a), loraLayersOf(b))) {
    const x = ka && a ? await analyzer.analyse(a, layer, ka) : null;
    const y = kb && b ? await analyzer.analyse(b, layer, kb) : null;
    if (!x && !y) continue;
    let updateDiffNorm: number | null = null;
    const identicalFactors =
      !!x &&
      !!y &&
      [x.adapter.loraAKey, x.adapter.loraBKey].every((k) => status.get(k) === 'identical') &&
      x.adapter.loraAKey === y.adapter.loraAKey &&
      x.adapter.loraBKey === y.adapter.loraBKey;
    if (identicalFactors) {
      updateDiffNorm = 0;
    } else if (
      x?.factors &&
      y?.factors &&
      x.factors.inFeatures === y.factors.inFeatures &&
      x.factors.outFeatures === y.factors.outFeatures
    ) {
      const cross = updateInner(x.factors, y.factors);
      updateDiffNorm = Math.sqrt(Math.max(0, x.adapter.updateNorm! ** 2 + y.adapter.updateNorm! ** 2 - 2 * cross));
    }
    const rowStatus: DiffStatus = !x ? 'added' : !y ? 'removed' : identicalFactors ? 'identical' : 'changed';
    rows.push({ layer, status: rowStatus, a: x?.adapter ?? null, b: y?.adapter ?? null, updateDiffNorm });
  }
  return rows;
}
