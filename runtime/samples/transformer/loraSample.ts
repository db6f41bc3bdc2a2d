import { PtdEntryInput } from '../../format/writer/types';
import { GoldenEntry, goldenTensor, TOLERANCE } from '../expected';
import { blobEntry, chunkSource, SampleFile, SampleResult, tensorEntry, writeDataFile, writeExpectedFile, writeProgramFile } from '../sampleFiles';
import { elementCount, valuesIdentity, weightBytes, weightSha256, weightValues } from '../weights';
import { checkConfig, TransformerConfig } from './config';
import { ForwardInputs, sampleInputs } from './inputs';
import { adapterWeights, foundationWeights, ModelWeight, storedFoundationWeights, TOK_EMBEDDINGS } from './parameters';
import { Backend, buildTransformerProgram } from './program';
import { AdapterStorage } from './programWeights';
import { referenceForward } from './reference';
import { makeDirectory } from '../../files/makeDirectory';

/** Expected outputs are computed only up to this many foundation parameters (the reference holds them all as float32). */
export const EXPECTED_PARAMETER_LIMIT = 64 * 1024 * 1024;

/** The programs of a LoRA sample set: name, adapter and where the adapter's weights are. */
export const LORA_PROGRAMS: readonly { file: string; adapter: string | null; storage: AdapterStorage }[] = [
  { file: 'base.pte', adapter: null, storage: 'dataFile' },
  { file: 'lora_a.pte', adapter: 'a', storage: 'dataFile' },
  { file: 'lora_b.pte', adapter: 'b', storage: 'dataFile' },
  { file: 'lora_c.pte', adapter: 'c', storage: 'program' },
];

export interface LoraSampleOptions {
  dir: string;
  seed: number;
  config: TransformerConfig;
  backend: Backend;
  /** How the set was asked for, recorded in `expected.json`'s `source`. */
  commandLine: string;
}

/**
 * Writes a LoRA sample set into `dir`: `foundation.ptd` (every base weight),
 * `base.pte`, `lora_a.pte` + `lora_a.ptd`, `lora_b.pte` + `lora_b.ptd`,
 * `lora_c.pte` (adapter weights inside the program) and `expected.json`.
 * Portable programs name their weights by fully qualified name (entries with
 * tensor layouts; the output projection stored transposed, see
 * `storedFoundationWeights`); XNNPACK programs delegate every linear layer and name those
 * weights by content hash (entries without layout), keeping embedding and
 * norm weights as FQN entries. Weights are generated while they are written,
 * so the largest preset is never held in memory.
 */
export async function writeLoraSample(o: LoraSampleOptions): Promise<SampleResult> {
  const c = o.config;
  checkConfig(c);
  await makeDirectory(o.dir);
  const model = foundationWeights(c);
  const foundation = storedFoundationWeights(c, o.backend);
  const adapters = new Map(LORA_PROGRAMS.flatMap((p) => (p.adapter ? [[p.adapter, adapterWeights(c, p.adapter)] as const] : [])));

  const hashes = new Map<string, string>();
  const namedKey = (w: ModelWeight): string => {
    let key = hashes.get(valuesIdentity(w));
    if (key === undefined) {
      key = weightSha256(w, o.seed, c.dtype);
      hashes.set(valuesIdentity(w), key);
    }
    return key;
  };
  const sources = new Map<string, () => Iterable<Uint8Array>>();
  const source = (w: ModelWeight) => {
    let s = sources.get(valuesIdentity(w));
    if (!s) sources.set(valuesIdentity(w), (s = chunkSource(w, o.seed, c.dtype)));
    return s;
  };
  const delegated = (w: ModelWeight) => o.backend === 'xnnpack' && w.role === 'linear';
  const entries = (weights: ModelWeight[]): PtdEntryInput[] => weights.map((w) =>
    delegated(w) ? blobEntry(namedKey(w), w, o.seed, c.dtype, source(w)) : tensorEntry(w, o.seed, c.dtype, source(w)));

  const files: SampleFile[] = [];
  const foundationEntries = entries(foundation);
  if (o.backend === 'xnnpack' && c.tieEmbeddings) {
    // The delegated output projection reads the embedding table by its hash; both keys share one segment.
    const table = foundation.find((w) => w.key === TOK_EMBEDDINGS)!;
    foundationEntries.push(blobEntry(namedKey(table), table, o.seed, c.dtype, source(table)));
  }
  files.push(await writeDataFile(o.dir, 'foundation.ptd', foundationEntries));
  for (const p of LORA_PROGRAMS) {
    const input = buildTransformerProgram({
      config: c,
      backend: o.backend,
      adapter: p.adapter ? { name: p.adapter, storage: p.storage } : null,
      namedKey,
      bytes: (w) => weightBytes(w, o.seed, c.dtype),
    });
    files.push(await writeProgramFile(o.dir, p.file, input));
    if (p.adapter && p.storage === 'dataFile') files.push(await writeDataFile(o.dir, adapterDataFile(p.adapter), entries(adapters.get(p.adapter)!)));
  }

  const parameters = model.reduce((n, w) => n + elementCount(w.sizes), 0);
  const expectedSkipped = parameters > EXPECTED_PARAMETER_LIMIT
    ? `the foundation has ${parameters} parameters; expected outputs are computed up to ${EXPECTED_PARAMETER_LIMIT}`
    : null;
  // Expected outputs come from the model's own parameters, whatever layout the programs read them in.
  const expected = expectedSkipped ? [] : expectedRuns(o, model, adapters);
  files.push(await writeExpectedFile(o.dir, expected));
  return { dir: o.dir, files, expected, expectedSkipped };
}

export function adapterDataFile(adapter: string): string {
  return `lora_${adapter}.ptd`;
}

function expectedRuns(o: LoraSampleOptions, foundation: ModelWeight[], adapters: Map<string, ModelWeight[]>): GoldenEntry[] {
  const c = o.config;
  const lookup = (weights: ModelWeight[]) => {
    const values = new Map(weights.map((w) => [w.key, weightValues(w, o.seed, c.dtype)]));
    return (key: string) => {
      const v = values.get(key);
      if (!v) throw new Error(`no weight ${key}`);
      return v;
    };
  };
  const base = lookup(foundation);
  const inputs = sampleInputs(c, o.seed);
  return LORA_PROGRAMS.map((p) => {
    const out = referenceForward(c, base, p.adapter ? lookup(adapters.get(p.adapter)!) : null, inputs);
    const cacheShape = (positions: number) => [1, c.kvHeads, positions, c.headDim];
    const S = c.pastLength + c.seqLen;
    return {
      file: p.file,
      data_files: ['foundation.ptd', ...(p.adapter && p.storage === 'dataFile' ? [adapterDataFile(p.adapter)] : [])],
      method: 'forward',
      inputs: encodeInputs(c, inputs),
      expected: [
        goldenTensor(c.dtype, [1, c.seqLen, c.vocabSize], out.logits),
        ...out.kCache.flatMap((k, layer) => [goldenTensor(c.dtype, cacheShape(S), k), goldenTensor(c.dtype, cacheShape(S), out.vCache[layer])]),
      ],
      ...TOLERANCE[c.dtype],
      source: `${o.commandLine}: reference forward in float64 from the generated weights (runtime/samples/transformer/reference.ts)`,
      tag: 'D',
      provenance: 'derived-from-model-definition',
      runnable_on_plain_cpu: true,
      ...(o.backend === 'xnnpack' ? { requires: ['XnnpackBackend delegate (XNNFullyConnected)'] } : {}),
    } satisfies GoldenEntry;
  });
}

function encodeInputs(c: TransformerConfig, inputs: ForwardInputs) {
  const cacheShape = [1, c.kvHeads, c.pastLength, c.headDim];
  return [
    goldenTensor('int64', [1, c.seqLen], inputs.tokens),
    ...inputs.kCache.flatMap((k, layer) => [goldenTensor(c.dtype, cacheShape, k), goldenTensor(c.dtype, cacheShape, inputs.vCache[layer])]),
  ];
}
