import { PteWriteInput } from '../../format/writer/types';
import { encodeValues, SCALAR_TYPE } from '../dtypes';
import { Aten } from '../graph/aten';
import { linearLayer } from '../graph/linearLayer';
import { MethodBuilder } from '../graph/methodBuilder';
import { ProgramParts } from '../graph/programParts';
import { encodedInputSpec, encodedOutputSpec } from '../graph/treeSpec';
import { LoraTarget, TransformerConfig } from './config';
import { FINAL_NORM, layerKey, OUTPUT_TRANSPOSED, outputKey, TOK_EMBEDDINGS } from './parameters';
import { AdapterStorage, ProgramWeights, WeightSources } from './programWeights';
import { causalMask, ropeTables } from './tables';

export type Backend = 'portable' | 'xnnpack';

export interface TransformerProgramOptions extends WeightSources {
  config: TransformerConfig;
  backend: Backend;
  /** The adapter, or null for the base model. */
  adapter: { name: string; storage: AdapterStorage } | null;
}

/**
 * The `forward` method of the decoder in `reference.ts`, as portable ATen
 * kernel calls (linear layers optionally as XNNPACK delegates):
 *
 *   forward(tokens int64[1, T], k_cache_0, v_cache_0, …, k_cache_{L−1}, v_cache_{L−1})
 *     -> (logits [1, T, vocab], k_cache_0', v_cache_0', …)
 *
 * Caches are `[1, kvHeads, P, headDim]` in, `[1, kvHeads, P+T, headDim]` out
 * (the past entries then the new tokens'); the positions P … P+T−1 of the new
 * tokens are fixed by the program's shapes. Rotary tables and the causal mask
 * are constants in the program; foundation weights are external. Portable
 * linear layers are `permute_copy` + `mm` as the default export writes them,
 * except the output projection, read pre-transposed by `mm`.
 */
export function buildTransformerProgram(o: TransformerProgramOptions): PteWriteInput {
  const c = o.config;
  const dtype = SCALAR_TYPE[c.dtype];
  const T = c.seqLen;
  const P = c.pastLength;
  const S = P + T;
  const D = c.headDim;
  const rep = c.heads / c.kvHeads;
  const parts = new ProgramParts();
  const b = new MethodBuilder('forward', parts);
  const aten = new Aten(b);

  const weights = new ProgramWeights(c, o.backend, b, o.adapter, o);
  const linear = (x: number, key: string): number =>
    o.backend === 'xnnpack' ? linearLayer.xnnpack(aten, x, weights.named(key)) : linearLayer.portable(aten, x, weights.tensor(key));
  const project = (x: number, layer: number, p: LoraTarget): number => {
    const base = linear(x, layerKey.projection(layer, p));
    if (!o.adapter || !c.lora.targets.includes(p)) return base;
    const down = linear(x, layerKey.loraA(layer, p));
    const up = linear(down, layerKey.loraB(layer, p));
    return aten.add(base, aten.mulScalar(up, c.lora.alpha / c.lora.rank));
  };
  const rmsNorm = (x: number, key: string): number => {
    const squares = aten.mul(x, x);
    const meanSquare = aten.mean(squares, [-1], true);
    const inverse = aten.rsqrt(aten.addScalar(meanSquare, c.normEps));
    return aten.mul(aten.mul(x, inverse), weights.tensor(key));
  };

  const tokens = b.input(SCALAR_TYPE.int64, [1, T]);
  const caches = Array.from({ length: c.layers }, () => ({
    k: b.input(dtype, [1, c.kvHeads, P, D]),
    v: b.input(dtype, [1, c.kvHeads, P, D]),
  }));

  const { cos, sin } = ropeTables(c);
  const ropeCos = aten.sliceCopy(b.tensor(dtype, [S, D], { kind: 'constant', bytes: encodeValues(cos, c.dtype) }), 0, P, S);
  const ropeSin = aten.sliceCopy(b.tensor(dtype, [S, D], { kind: 'constant', bytes: encodeValues(sin, c.dtype) }), 0, P, S);
  const mask = b.tensor(dtype, [T, S], { kind: 'constant', bytes: encodeValues(causalMask(c), c.dtype) });
  /** `x · cos + rotate_half(x) · sin` on `[heads, T, D]`. */
  const rotate = (x: number): number => {
    const first = aten.sliceCopy(x, -1, 0, D / 2);
    const second = aten.sliceCopy(x, -1, D / 2, D);
    const rotated = aten.cat([aten.neg(second), first], -1);
    return aten.add(aten.mul(x, ropeCos), aten.mul(rotated, ropeSin));
  };

  let x = aten.viewCopy(aten.embedding(weights.tensor(TOK_EMBEDDINGS), tokens), [T, c.hidden]);
  const cacheOutputs: number[] = [];
  for (let layer = 0; layer < c.layers; layer++) {
    const h = rmsNorm(x, layerKey.attentionNorm(layer));
    let q = aten.viewCopy(project(h, layer, 'wq'), [T, c.heads, D]);
    let k = aten.viewCopy(project(h, layer, 'wk'), [T, c.kvHeads, D]);
    const v = aten.viewCopy(project(h, layer, 'wv'), [T, c.kvHeads, D]);
    if (c.qkNorm) {
      q = rmsNorm(q, layerKey.qNorm(layer));
      k = rmsNorm(k, layerKey.kNorm(layer));
    }
    const qRot = rotate(aten.permuteCopy(q, [1, 0, 2]));
    const kRot = rotate(aten.permuteCopy(k, [1, 0, 2]));
    const vHeads = aten.permuteCopy(v, [1, 0, 2]);

    const kAll = aten.cat([caches[layer].k, aten.viewCopy(kRot, [1, c.kvHeads, T, D])], 2);
    const vAll = aten.cat([caches[layer].v, aten.viewCopy(vHeads, [1, c.kvHeads, T, D])], 2);
    cacheOutputs.push(kAll, vAll);

    // Grouped-query attention without copying K/V per head: heads g·rep … g·rep+rep−1 share KV head g,
    // so q [heads, T, D] is viewed as [kvHeads, rep·T, D] and multiplied per KV head.
    const qGroups = aten.viewCopy(qRot, [c.kvHeads, rep * T, D]);
    const kT = aten.permuteCopy(aten.viewCopy(kAll, [c.kvHeads, S, D]), [0, 2, 1]);
    const scores = aten.mulScalar(aten.bmm(qGroups, kT), 1 / Math.sqrt(D));
    const probs = aten.softmax(aten.add(aten.viewCopy(scores, [c.heads, T, S]), mask), -1);
    const context = aten.bmm(aten.viewCopy(probs, [c.kvHeads, rep * T, S]), aten.viewCopy(vAll, [c.kvHeads, S, D]));
    const merged = aten.viewCopy(aten.permuteCopy(aten.viewCopy(context, [c.heads, T, D]), [1, 0, 2]), [T, c.heads * D]);
    x = aten.add(x, project(merged, layer, 'wo'));

    const g = rmsNorm(x, layerKey.ffnNorm(layer));
    const gate = aten.silu(linear(g, layerKey.feedForward(layer, 'w1')));
    const up = linear(g, layerKey.feedForward(layer, 'w3'));
    x = aten.add(x, linear(aten.mul(gate, up), layerKey.feedForward(layer, 'w2')));
  }
  // Portable: the foundation holds the projection already transposed (see storedFoundationWeights), so no
  // [hidden, vocab] copy of it is made in the arena on every call.
  const final = rmsNorm(x, FINAL_NORM);
  const projected = o.backend === 'xnnpack' ? linear(final, outputKey(c)) : aten.mm(final, weights.tensor(OUTPUT_TRANSPOSED));
  const logits = aten.viewCopy(projected, [1, T, c.vocabSize], true);

  b.output(logits);
  for (const id of cacheOutputs) b.output(id);
  const method = b.build(encodedInputSpec(1 + 2 * c.layers), encodedOutputSpec(1 + 2 * c.layers));
  return { methods: [method], constants: parts.constants, delegateBlobs: parts.delegateBlobs, namedData: parts.namedData };
}
