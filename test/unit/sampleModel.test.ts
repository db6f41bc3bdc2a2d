import * as assert from 'node:assert/strict';
import { bfloat16BitsToNumber, numberToBfloat16Bits } from '../../runtime/format/halfPrecision';
import { decodeValues, encodeValues } from '../../runtime/samples/dtypes';
import { fillNormal, streamKey } from '../../runtime/samples/random';
import { LoraTarget, PRESETS, TransformerConfig } from '../../runtime/samples/transformer/config';
import { sampleInputs } from '../../runtime/samples/transformer/inputs';
import { adapterWeights, foundationWeights, layerKey, ModelWeight } from '../../runtime/samples/transformer/parameters';
import { referenceForward } from '../../runtime/samples/transformer/reference';
import { weightBytes, weightChunks, weightSlice, weightValues, WeightSpec } from '../../runtime/samples/weights';

describe('sample weights', () => {
  it('draws values with the asked mean and spread, differently per stream and seed', () => {
    const values = new Float64Array(200_000);
    fillNormal(streamKey(1, 'w'), 0, values, 0.02, 1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    assert.ok(Math.abs(mean - 1) < 0.0005, `mean ${mean}`);
    assert.ok(Math.abs(std - 0.02) < 0.0005, `std ${std}`);
    const within = values.filter((v) => Math.abs(v - 1) < 0.02).length / values.length;
    assert.ok(within > 0.66 && within < 0.71, `${within} within one standard deviation, as for a normal distribution`);
    const other = new Float64Array(8);
    fillNormal(streamKey(2, 'w'), 0, other, 0.02, 1);
    assert.notDeepEqual(Array.from(other), Array.from(values.subarray(0, 8)));
    fillNormal(streamKey(1, 'v'), 0, other, 0.02, 1);
    assert.notDeepEqual(Array.from(other), Array.from(values.subarray(0, 8)));
  });

  it('generates any slice on its own, and chunks that add up to the whole weight', () => {
    const spec: WeightSpec = { key: 'k', sizes: [37, 11], mean: 0, std: 1, stream: 'k' };
    for (const dtype of ['float32', 'bfloat16'] as const) {
      const whole = weightValues(spec, 9, dtype);
      assert.deepEqual(weightSlice(spec, 9, dtype, 100, 50), whole.subarray(100, 150));
      const chunks = [...weightChunks(spec, 9, dtype, 64)];
      assert.equal(chunks.length, Math.ceil((37 * 11) / 64));
      assert.deepEqual(Buffer.concat(chunks), Buffer.from(weightBytes(spec, 9, dtype)));
      assert.deepEqual(decodeValues(weightBytes(spec, 9, dtype), dtype), whole);
    }
  });

  it('stores a transposed weight as the transpose of its stream, slice by slice and in chunks', () => {
    const source: WeightSpec = { key: 'w', sizes: [37, 11], mean: 0, std: 1, stream: 'w' };
    const transposed: WeightSpec = { ...source, key: 'w_t', sizes: [11, 37], transposed: true };
    const values = weightValues(source, 9, 'float32');
    const whole = weightValues(transposed, 9, 'float32');
    for (let r = 0; r < 11; r++) for (let c = 0; c < 37; c++) assert.equal(whole[r * 37 + c], values[c * 11 + r]);
    for (const [start, count] of [
      [0, 1],
      [5, 30],
      [36, 2],
      [100, 150],
      [406, 1],
    ])
      assert.deepEqual(weightSlice(transposed, 9, 'float32', start, count), whole.subarray(start, start + count));
    assert.deepEqual(
      Buffer.concat([...weightChunks(transposed, 9, 'float32', 64)]),
      Buffer.from(weightBytes(transposed, 9, 'float32')),
    );
  });

  it('keeps streams apart past 2^30 elements (counters beyond 2^31)', () => {
    const key = streamKey(0, 'huge');
    const at = (i: number) => {
      const v = new Float64Array(2);
      fillNormal(key, i, v, 1);
      return Array.from(v);
    };
    assert.notDeepEqual(at(0), at(2 ** 30));
    // A slice across the boundary equals its two halves generated apart.
    const across = new Float64Array(4);
    fillNormal(key, 2 ** 30 - 2, across, 1);
    assert.deepEqual(Array.from(across), [...at(2 ** 30 - 2), ...at(2 ** 30)]);
  });

  it('rounds to bfloat16 to nearest, ties to even, and stores little-endian', () => {
    assert.equal(numberToBfloat16Bits(1), 0x3f80);
    assert.equal(numberToBfloat16Bits(-2), 0xc000);
    assert.equal(bfloat16BitsToNumber(0x3f80), 1);
    // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
    assert.equal(numberToBfloat16Bits(1 + 2 ** -8), 0x3f80);
    assert.equal(numberToBfloat16Bits(1 + 3 * 2 ** -8), 0x3f82);
    assert.equal(numberToBfloat16Bits(1 + 2 ** -8 + 2 ** -20), 0x3f81);
    assert.ok(Number.isNaN(bfloat16BitsToNumber(numberToBfloat16Bits(NaN))));
    assert.equal(bfloat16BitsToNumber(numberToBfloat16Bits(Infinity)), Infinity);
    assert.deepEqual([...encodeValues(new Float32Array([1, -2]), 'bfloat16')], [0x80, 0x3f, 0x00, 0xc0]);
    assert.deepEqual([...encodeValues(new Float32Array([1]), 'float32')], [0, 0, 0x80, 0x3f]);
  });

  it("names parameters as ExecuTorch's Llama definition does", () => {
    const keys = foundationWeights({ ...PRESETS.tiny, layers: 1 }).map((w) => w.key);
    assert.deepEqual(keys, [
      'tok_embeddings.weight',
      'layers.0.attention_norm.weight',
      'layers.0.attention.wq.weight',
      'layers.0.attention.wk.weight',
      'layers.0.attention.wv.weight',
      'layers.0.attention.wo.weight',
      'layers.0.attention.q_norm_fn.weight',
      'layers.0.attention.k_norm_fn.weight',
      'layers.0.ffn_norm.weight',
      'layers.0.feed_forward.w1.weight',
      'layers.0.feed_forward.w2.weight',
      'layers.0.feed_forward.w3.weight',
      'norm.weight',
      'output.weight',
    ]);
    assert.deepEqual(
      adapterWeights({ ...PRESETS.tiny, layers: 1 }, 'a').map((w) => w.key),
      [
        'layers.0.attention.wq.lora_a.weight',
        'layers.0.attention.wq.lora_b.weight',
        'layers.0.attention.wv.lora_a.weight',
        'layers.0.attention.wv.lora_b.weight',
      ],
    );
    const qwen = foundationWeights(PRESETS['qwen3-0.6b']);
    const parameters = qwen.reduce((n, w) => n + w.sizes.reduce((a, b) => a * b, 1), 0);
    // Qwen3-0.6B: 0.6 billion parameters with the output projection tied to the embedding.
    assert.equal(parameters, 596_049_920);
    assert.ok(!qwen.some((w) => w.key === 'output.weight'));
  });
});

// ---- An independent evaluation of the decoder, written with small matrix helpers. ----

type Matrix = number[][];

const matmul = (a: Matrix, b: Matrix): Matrix =>
  a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
const transpose = (a: Matrix): Matrix => a[0].map((_, j) => a.map((row) => row[j]));
const plus = (a: Matrix, b: Matrix): Matrix => a.map((row, i) => row.map((v, j) => v + b[i][j]));
const scaled = (a: Matrix, s: number): Matrix => a.map((row) => row.map((v) => v * s));
const columns = (a: Matrix, from: number, to: number): Matrix => a.map((row) => row.slice(from, to));
const asMatrix = (values: ArrayLike<number>, rows: number, cols: number): Matrix =>
  Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => values[r * cols + c]));
const rmsRows = (a: Matrix, w: ArrayLike<number>, eps: number): Matrix =>
  a.map((row) => {
    const rms = Math.sqrt(row.reduce((s, v) => s + v * v, 0) / row.length + eps);
    return row.map((v, i) => (v / rms) * w[i]);
  });

function independentForward(c: TransformerConfig, seed: number, adapter: string | null) {
  const weights = new Map<string, ModelWeight>(
    [...foundationWeights(c), ...(adapter ? adapterWeights(c, adapter) : [])].map((w) => [w.key, w]),
  );
  const values = (key: string) => weightValues(weights.get(key)!, seed, c.dtype);
  const matrix = (key: string) => {
    const w = weights.get(key)!;
    return asMatrix(values(key), w.sizes[0], w.sizes[1]);
  };
  const inputs = sampleInputs(c, seed);
  const [T, P, D, H] = [c.seqLen, c.pastLength, c.headDim, c.hidden];
  const linear = (x: Matrix, key: string) => matmul(x, transpose(matrix(key)));
  const project = (x: Matrix, p: LoraTarget) => {
    const base = linear(x, layerKey.projection(0, p));
    if (!adapter || !c.lora.targets.includes(p)) return base;
    return plus(
      base,
      scaled(linear(linear(x, layerKey.loraA(0, p)), layerKey.loraB(0, p)), c.lora.alpha / c.lora.rank),
    );
  };
  const rope = (x: Matrix, t: number): number[] =>
    x[0].map((_, i) => {
      const half = D / 2;
      const f = i % half;
      const angle = (P + t) * c.ropeTheta ** ((-2 * f) / D);
      const partner = i < half ? -x[0][i + half] : x[0][i - half];
      return x[0][i] * Math.cos(angle) + partner * Math.sin(angle);
    });

  let x: Matrix = inputs.tokens.map((tok) =>
    Array.from(values('tok_embeddings.weight').subarray(tok * H, (tok + 1) * H)),
  );
  const h = rmsRows(x, values(layerKey.attentionNorm(0)), c.normEps);
  const [q, k, v] = [project(h, 'wq'), project(h, 'wk'), project(h, 'wv')];
  const headOf = (m: Matrix, head: number, t: number, normKey: string): number[] => {
    const row = [columns(m, head * D, (head + 1) * D)[t]];
    return rope(c.qkNorm ? rmsRows(row, values(normKey), c.normEps) : row, t);
  };
  const keys: Matrix[] = [];
  const vals: Matrix[] = [];
  for (let g = 0; g < c.kvHeads; g++) {
    keys.push([
      ...asMatrix(inputs.kCache[0].subarray(g * P * D), P, D),
      ...Array.from({ length: T }, (_, t) => headOf(k, g, t, layerKey.kNorm(0))),
    ]);
    vals.push([...asMatrix(inputs.vCache[0].subarray(g * P * D), P, D), ...columns(v, g * D, (g + 1) * D)]);
  }
  const context: Matrix = Array.from({ length: T }, () => []);
  for (let head = 0; head < c.heads; head++) {
    const g = Math.floor(head / (c.heads / c.kvHeads)); // repeat_kv: each KV head serves heads/kvHeads query heads
    for (let t = 0; t < T; t++) {
      const qt = headOf(q, head, t, layerKey.qNorm(0));
      const visible = keys[g].slice(0, P + t + 1);
      const logits = visible.map((key) => key.reduce((s, kv, d) => s + kv * qt[d], 0) / Math.sqrt(D));
      const max = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - max));
      const sum = e.reduce((a, b) => a + b, 0);
      context[t].push(...qt.map((_, d) => e.reduce((s, p, j) => s + (p / sum) * vals[g][j][d], 0)));
    }
  }
  x = plus(x, project(context, 'wo'));
  const g2 = rmsRows(x, values(layerKey.ffnNorm(0)), c.normEps);
  const gate = linear(g2, layerKey.feedForward(0, 'w1')).map((row) => row.map((z) => z / (1 + Math.exp(-z))));
  const up = linear(g2, layerKey.feedForward(0, 'w3'));
  x = plus(
    x,
    linear(
      gate.map((row, i) => row.map((z, j) => z * up[i][j])),
      layerKey.feedForward(0, 'w2'),
    ),
  );
  const out = linear(
    rmsRows(x, values('norm.weight'), c.normEps),
    c.tieEmbeddings ? 'tok_embeddings.weight' : 'output.weight',
  );
  return { logits: out.flat(), kCache: keys.flat(2), vCache: vals.flat(2) };
}

describe('reference forward', () => {
  const variants: [string, TransformerConfig][] = [
    ['grouped-query attention, q/k norm, LoRA on wq and wv', { ...PRESETS.tiny, layers: 1 }],
    [
      'tied embeddings, no q/k norm, LoRA on all four projections',
      {
        ...PRESETS.tiny,
        layers: 1,
        heads: 2,
        kvHeads: 2,
        tieEmbeddings: true,
        qkNorm: false,
        pastLength: 1,
        seqLen: 3,
        lora: { rank: 2, alpha: 3, targets: ['wq', 'wk', 'wv', 'wo'] },
      },
    ],
  ];
  for (const [name, config] of variants) {
    it(`matches an independent evaluation (${name})`, () => {
      for (const adapter of [null, 'a']) {
        const ours = referenceForward(
          config,
          (key) =>
            weightValues(
              [...foundationWeights(config), ...adapterWeights(config, 'a')].find((w) => w.key === key)!,
              11,
              config.dtype,
            ),
          adapter
            ? (key) =>
                weightValues(
                  adapterWeights(config, 'a').find((w) => w.key === key)!,
                  11,
                  config.dtype,
                )
            : null,
          sampleInputs(config, 11),
        );
        const theirs = independentForward(config, 11, adapter);
        // Only the rotary tables differ: the reference uses them rounded to float32, as the program stores them.
        const close = (a: ArrayLike<number>, b: number[], what: string) => {
          assert.equal(a.length, b.length, what);
          for (let i = 0; i < b.length; i++)
            assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
        };
        close(ours.logits, theirs.logits, `logits (adapter ${adapter})`);
        close(ours.kCache[0], theirs.kCache, 'k cache');
        close(ours.vCache[0], theirs.vCache, 'v cache');
      }
    });
  }

  it('depends on every input: tokens, past keys and past values', () => {
    const c = { ...PRESETS.tiny, layers: 1 };
    const lookup = (key: string) =>
      weightValues(
        foundationWeights(c).find((w) => w.key === key)!,
        1,
        c.dtype,
      );
    const inputs = sampleInputs(c, 1);
    const base = referenceForward(c, lookup, null, inputs).logits;
    const changed = (edit: (i: typeof inputs) => void) => {
      const copy = {
        tokens: [...inputs.tokens],
        kCache: inputs.kCache.map((k) => k.slice()),
        vCache: inputs.vCache.map((v) => v.slice()),
      };
      edit(copy);
      const logits = referenceForward(c, lookup, null, copy).logits;
      return Math.max(...logits.map((v, i) => Math.abs(v - base[i])));
    };
    assert.ok(changed((i) => (i.tokens[0] = (i.tokens[0] + 1) % c.vocabSize)) > 1e-3);
    assert.ok(changed((i) => (i.kCache[0][0] += 1)) > 1e-4);
    assert.ok(changed((i) => (i.vCache[0][0] += 1)) > 1e-4);
  });
});
