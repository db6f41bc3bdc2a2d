import { parseArgs } from 'node:util';
import { writeCortexMSample } from '../samples/cortexM/cortexMSample';
import { SAMPLE_DTYPES, SampleDtype } from '../samples/dtypes';
import { writeLinearSample } from '../samples/linear/linearSample';
import { SampleResult } from '../samples/sampleFiles';
import { checkConfig, PresetName, PRESETS, TransformerConfig } from '../samples/transformer/config';
import { writeLoraSample } from '../samples/transformer/loraSample';
import { Backend } from '../samples/transformer/program';
import { CliIo, EXIT_INVALID, EXIT_OK } from './io';
import { formatBytes } from '../text/formatBytes';

export const SAMPLE_USAGE = `usage: pte-explorer sample linear --out DIR [--seed N]
       pte-explorer sample cortex-m --out DIR [--seed N]
       pte-explorer sample lora --out DIR [--preset tiny|qwen3-0.6b] [--seed N]
                                [--layers N] [--hidden N] [--vocab N] [--rank N]
                                [--dtype float32|bfloat16] [--backend portable|xnnpack]

Writes ExecuTorch programs and data files generated from a seed, with
expected outputs for fixed inputs in DIR/expected.json.
  linear  linear.pte + linear.ptd (portable, external weights by name) and
          linear_xnnpack.pte + linear_xnnpack.ptd (XNNPACK, weights by content hash)
  cortex-m  cortex_m.pte: an int8 Linear + add as ExecuTorch's Cortex-M flow exports it
          (cortex_m:: operators on CMSIS-NN; runs on the executorch engine only)
  lora    foundation.ptd, base.pte, lora_a.pte + lora_a.ptd, lora_b.pte + lora_b.ptd,
          lora_c.pte (adapter inside the program): a Llama/Qwen-style decoder with
          LoRA on wq and wv. --preset qwen3-0.6b writes Qwen3-0.6B's shapes
          (about 2.4 GB in float32; expected outputs are skipped at that size).`;

const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
const BACKENDS: readonly Backend[] = ['portable', 'xnnpack'];

const OPTIONS = {
  out: { type: 'string' },
  seed: { type: 'string' },
  preset: { type: 'string' },
  layers: { type: 'string' },
  hidden: { type: 'string' },
  vocab: { type: 'string' },
  rank: { type: 'string' },
  dtype: { type: 'string' },
  backend: { type: 'string' },
} as const;

class SampleUsageError extends Error {}

/** `pte-explorer sample linear|lora …`: writes a sample set and lists what it wrote. */
export async function sampleCommand(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') {
    io.out(SAMPLE_USAGE);
    return EXIT_OK;
  }
  let job: { run: () => Promise<SampleResult> };
  try {
    job = parseSampleArgs(argv);
  } catch (e) {
    if (!(e instanceof SampleUsageError)) throw e;
    io.err(`pte-explorer sample: ${e.message}\n\n${SAMPLE_USAGE}`);
    return EXIT_INVALID;
  }
  const started = performance.now();
  const result = await job.run();
  const seconds = (performance.now() - started) / 1000;
  const total = result.files.reduce((n, f) => n + f.size, 0);
  const lines = [`${result.dir}: wrote ${result.files.length} files, ${formatBytes(total)} in ${seconds.toFixed(1)} s`];
  for (const f of result.files) lines.push(`  ${f.name.padEnd(20)} ${formatBytes(f.size).padStart(10)}`);
  lines.push(
    result.expectedSkipped
      ? `  expected outputs skipped: ${result.expectedSkipped}`
      : `  expected.json: ${result.expected.length} run(s) with expected outputs`,
  );
  io.out(lines.join('\n'));
  return EXIT_OK;
}

function parseSampleArgs(argv: string[]): { run: () => Promise<SampleResult> } {
  const { values, positionals } = parseSampleOptions(argv);
  const [kind, ...extra] = positionals;
  if (extra.length) throw new SampleUsageError(`unexpected argument '${extra[0]}'`);
  if (!values.out) throw new SampleUsageError('--out DIR is required');
  const dir = values.out;
  const seed = values.seed === undefined ? 0 : integer('--seed', values.seed, 0);
  if (kind === 'linear' || kind === 'cortex-m') {
    const loraOnly = ['preset', 'layers', 'hidden', 'vocab', 'rank', 'dtype', 'backend'].find(
      (k) => values[k as keyof typeof values] !== undefined,
    );
    if (loraOnly) throw new SampleUsageError(`--${loraOnly} applies to 'sample lora' only`);
    return { run: () => (kind === 'linear' ? writeLinearSample(dir, seed) : writeCortexMSample(dir, seed)) };
  }
  if (kind !== 'lora')
    throw new SampleUsageError(
      kind ? `unknown sample '${kind}' (linear, cortex-m or lora)` : 'which sample? linear, cortex-m or lora',
    );

  const preset = oneOf('--preset', values.preset ?? 'tiny', PRESET_NAMES);
  const base = PRESETS[preset];
  const config: TransformerConfig = {
    ...base,
    layers: values.layers === undefined ? base.layers : integer('--layers', values.layers, 1),
    hidden: values.hidden === undefined ? base.hidden : integer('--hidden', values.hidden, 1),
    vocabSize: values.vocab === undefined ? base.vocabSize : integer('--vocab', values.vocab, 1),
    dtype: oneOf<SampleDtype>('--dtype', values.dtype ?? base.dtype, SAMPLE_DTYPES),
    lora: values.rank === undefined ? base.lora : loraWithRank(base.lora, integer('--rank', values.rank, 1)),
  };
  const backend = oneOf('--backend', values.backend ?? 'portable', BACKENDS);
  if (backend === 'xnnpack' && config.dtype !== 'float32') {
    throw new SampleUsageError('--backend xnnpack writes float32 FullyConnected nodes; use --dtype float32');
  }
  try {
    checkConfig(config);
  } catch (e) {
    throw new SampleUsageError((e as Error).message);
  }
  const commandLine =
    `pte-explorer sample lora --preset ${preset} --seed ${seed} --layers ${config.layers} --hidden ${config.hidden} ` +
    `--vocab ${config.vocabSize} --rank ${config.lora.rank} --dtype ${config.dtype} --backend ${backend}`;
  return { run: () => writeLoraSample({ dir, seed, config, backend, commandLine }) };
}

/** A different rank keeps the preset's alpha / rank scale. */
function loraWithRank(lora: TransformerConfig['lora'], rank: number): TransformerConfig['lora'] {
  return { ...lora, rank, alpha: (lora.alpha / lora.rank) * rank };
}

function parseSampleOptions(argv: string[]) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (e) {
    throw new SampleUsageError((e as Error).message);
  }
}

function integer(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > 0xffffffff) {
    throw new SampleUsageError(`${flag} takes an integer from ${min} to ${0xffffffff}, got '${text}'`);
  }
  return n;
}

function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text))
    throw new SampleUsageError(`${flag} takes ${allowed.join(' or ')}, got '${text}'`);
  return text as T;
}
