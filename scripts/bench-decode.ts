/**
 * Decode speed of `.pte` programs: ours against Netron's ExecuTorch reader.
 *
 * Usage
 *   npm run bench:decode                              # our figures only
 *   npm run bench:decode -- --netron /tmp/netron      # with the ratio to Netron
 *   node out/scripts/bench-decode.js [options]        # after `npm run build`
 *
 * Options
 *   --netron DIR      a Netron checkout, or any directory holding its `source/`
 *                     files and a package.json with "type": "module" (they are
 *                     ES modules); DIR may also be the source directory itself
 *   --fixtures DIR    directory of .pte files (default: /work/shared/fixtures/real,
 *                     found relative to this file like test/unit/fixtures.ts)
 *   --synthetic LIST  instruction counts of synthetic programs (default 20000,100000;
 *                     `--synthetic none` for none)
 *   --runs N          timed samples per measurement (default 15)
 *   --budget MS       stop sampling one measurement after MS ms, keeping at least 3 samples (default 4000)
 *   --no-open         skip Netron's full ModelFactory open (slow: it rebuilds its torch schema registry each time)
 *   --only REGEX      only files whose name matches
 *   --decoder FILE    time the decodePte exported by this compiled module instead of ours
 *                     (to try an optimisation in a copy of the tree, e.g. /tmp/opt/out/runtime/format/pte/decodePte.js)
 *
 * Netron's code is not part of this repository and must not be copied into
 * it; it is loaded at run time from --netron. To get it from the mirror:
 *
 *   G=/work/.mirror/lutzroeder+netron/repo; mkdir -p /tmp/netron/source && git --git-dir=$G show HEAD:package.json > /tmp/netron/package.json && for f in base.js executorch.js executorch-schema.js flatbuffers.js python.js pytorch.js pytorch-metadata.json; do git --git-dir=$G show HEAD:source/$f > /tmp/netron/source/$f; done
 *
 * (or clone https://github.com/lutzroeder/netron and pass its root).
 *
 * What is timed (bytes already in memory, no file I/O on either side)
 *   ours            `decodePte(new MemorySource(bytes))`: header, extended
 *                   header, and the whole program flatbuffer into plain
 *                   objects, with every read bounds-checked and constant /
 *                   delegate / segment ranges resolved and checked.
 *   Netron decode   what its reader does to get the program object:
 *                   `flatbuffers.BinaryReader.open(new base.BinaryStream(bytes))`
 *                   (the `context.peek('flatbuffers.binary')` of
 *                   `ModelFactory.match`) then `executorch_flatbuffer.Program.create(reader)`
 *                   (the first step of `executorch.Reader.read`): unchecked
 *                   reads, the whole program into objects and typed arrays.
 *                   This is the like-for-like figure; `ratio` = Netron decode / ours.
 *   Netron +graph   Netron decode plus building its model (`new executorch.Model(target)`:
 *                   graphs, nodes, values, tensor types, operator schema look-ups,
 *                   constant blobs), reusing the python execution / torch schema
 *                   registry and the parsed delegate payloads of one earlier full
 *                   open of the same file. More work than ours: informative.
 *   Netron open     `ModelFactory.match(context)` + `open(context)` on a fresh
 *                   minimal context, as its view does per opened file: includes
 *                   a new `python.Execution` and registering every torch operator
 *                   schema (pytorch-metadata.json is parsed once and cached, as
 *                   in the app), delegate payload parsing, and the model.
 *                   Informative; empty with --no-open.
 * "+graph" and "open" only exist for files Netron can open (it has no reader
 * for QNN payloads, cadence:: operators or extra_tensor_info, for instance);
 * the reasons are listed under the table.
 *
 * Each file: ours and Netron decode are warmed up one after the other (at
 * least 3 runs and 300 ms), then sampled in turn (ours, Netron, ours, ...) so
 * that load from elsewhere on the machine hits both alike; a sample is enough
 * back-to-back runs to last >= 5 ms, timed with process.hrtime.bigint; the
 * table shows the median per-run time. Netron +graph and open are then
 * measured the same way on their own. Ratios (Netron / ours, > 1 when ours is
 * faster) are summarised by geometric mean.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemorySource } from '../runtime/format/byteSource';
import { decodePte } from '../runtime/format/pte/decodePte';
import { buildSyntheticProgram } from './bench/syntheticProgram';

const DEFAULT_FIXTURES = path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'real');
export const EXTRACT_HINT =
  'G=/work/.mirror/lutzroeder+netron/repo; mkdir -p /tmp/netron/source && git --git-dir=$G show HEAD:package.json > /tmp/netron/package.json && for f in base.js executorch.js executorch-schema.js flatbuffers.js python.js pytorch.js pytorch-metadata.json; do git --git-dir=$G show HEAD:source/$f > /tmp/netron/source/$f; done';

interface Options {
  netron: string | null;
  fixtures: string;
  synthetic: number[];
  runs: number;
  budgetMs: number;
  open: boolean;
  only: RegExp | null;
  decoder: string | null;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    netron: null,
    fixtures: DEFAULT_FIXTURES,
    synthetic: [20_000, 100_000],
    runs: 15,
    budgetMs: 4000,
    open: true,
    only: null,
    decoder: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--netron':
        options.netron = path.resolve(value());
        break;
      case '--fixtures':
        options.fixtures = path.resolve(value());
        break;
      case '--synthetic': {
        const v = value();
        options.synthetic = v === 'none' ? [] : v.split(',').map((s) => Number(s.replace(/_/g, '')));
        if (options.synthetic.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`bad --synthetic ${v}`);
        break;
      }
      case '--runs':
        options.runs = Math.max(1, Number(value()) | 0);
        break;
      case '--budget':
        options.budgetMs = Math.max(1, Number(value()));
        break;
      case '--no-open':
        options.open = false;
        break;
      case '--only':
        options.only = new RegExp(value());
        break;
      case '--decoder':
        options.decoder = path.resolve(value());
        break;
      case '-h':
      case '--help':
        console.log(
          'usage: node out/scripts/bench-decode.js [--netron DIR] [--fixtures DIR] [--synthetic 20000,100000|none] [--runs N] [--budget MS] [--no-open] [--only REGEX] [--decoder FILE]',
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${arg} (try --help)`);
    }
  }
  return options;
}

// ---------------------------------------------------------------------------
// Timing

interface Timing {
  /** Median milliseconds per run. */
  median: number;
  samples: number;
  /** Runs per sample. */
  batch: number;
}

const now = () => process.hrtime.bigint();
const ms = (from: bigint, to: bigint) => Number(to - from) / 1e6;

/**
 * Times several runs over the same input together: after each one's warm-up,
 * samples are taken in turn (a, b, c, a, b, c, ...), so load from other
 * processes and CPU clock changes hit all of them alike. Each sample is a
 * batch of back-to-back runs lasting >= 5 ms. (No forced GC between samples:
 * a full GC deoptimises hot code on both sides, "weak objects", and the
 * figures then measure re-optimisation rather than decoding.)
 */
async function measureTogether(runs: (() => unknown)[], options: Options): Promise<Timing[]> {
  const batches: number[] = [];
  for (const run of runs) {
    // Warm-up: at least 3 runs and 300 ms (within the budget), so the JIT has settled.
    let count = 0;
    let single = Infinity;
    const warmStart = now();
    while (count < 3 || (ms(warmStart, now()) < 300 && ms(warmStart, now()) < options.budgetMs)) {
      const t = now();
      await run();
      single = Math.min(single, ms(t, now()));
      count++;
    }
    batches.push(Math.max(1, Math.ceil(5 / Math.max(single, 1e-3))));
  }
  const samples: number[][] = runs.map(() => []);
  const start = now();
  for (let s = 0; s < options.runs; s++) {
    if (s >= 3 && ms(start, now()) > options.budgetMs * runs.length) break;
    for (let k = 0; k < runs.length; k++) {
      const t = now();
      for (let i = 0; i < batches[k]; i++) await runs[k]();
      samples[k].push(ms(t, now()) / batches[k]);
    }
  }
  return samples.map((perSample, k) => {
    perSample.sort((a, b) => a - b);
    const mid = perSample.length >> 1;
    const median = perSample.length % 2 ? perSample[mid] : (perSample[mid - 1] + perSample[mid]) / 2;
    return { median, samples: perSample.length, batch: batches[k] };
  });
}

// ---------------------------------------------------------------------------
// Netron, loaded at run time from --netron (never part of this repository)

interface NetronStream {
  readonly position: number;
  readonly length: number;
  seek(position: number): void;
  peek(length?: number): Uint8Array;
  read(length?: number): Uint8Array;
}

interface NetronFlatReader {
  identifier: string;
}

interface NetronProgram {
  execution_plan: { chains: { instructions: unknown[] }[]; delegates: { backend?: unknown }[] }[];
}

interface NetronTarget {
  program: NetronProgram;
}

export interface NetronModel {
  modules: { nodes: unknown[] }[];
}

interface NetronContext {
  value?: unknown;
}

interface NetronFactory {
  match(context: NetronContext): Promise<string | null>;
  open(context: NetronContext): Promise<NetronModel>;
}

export interface Netron {
  dir: string;
  version: string;
  BinaryStream: new (bytes: Uint8Array) => NetronStream;
  openBinaryReader(stream: NetronStream): unknown;
  openFlatbuffer(stream: NetronStream): NetronFlatReader | null;
  createProgram(reader: NetronFlatReader): NetronProgram;
  ModelFactory: new () => NetronFactory;
  importModule(specifier: string): Promise<unknown>;
}

// TypeScript compiles `import()` to `require()` under "module": "commonjs",
// which cannot load ES modules on Node 20; this keeps a real dynamic import.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

function findNetronSource(dir: string): string {
  for (const candidate of [path.join(dir, 'source'), dir]) {
    if (fs.existsSync(path.join(candidate, 'executorch.js'))) return candidate;
  }
  throw new Error(
    `no executorch.js in ${dir} or ${path.join(dir, 'source')}; extract Netron's sources with:\n  ${EXTRACT_HINT}`,
  );
}

function isModulePackage(dir: string): { module: boolean; version: string } | null {
  const file = path.join(dir, 'package.json');
  if (!fs.existsSync(file)) return null;
  const json = JSON.parse(fs.readFileSync(file, 'utf-8')) as { type?: string; version?: string };
  return { module: json.type === 'module', version: json.version ?? '?' };
}

export async function loadNetron(dir: string): Promise<Netron> {
  const source = findNetronSource(dir);
  // Node decides ESM vs CommonJS from the nearest package.json.
  const pkg = isModulePackage(source) ?? isModulePackage(path.dirname(source));
  if (!pkg || !pkg.module) {
    throw new Error(
      `Netron's sources are ES modules, but no package.json with "type": "module" is next to ${source} or in its parent; Netron's own package.json will do:\n  ${EXTRACT_HINT}`,
    );
  }
  const url = (file: string) => new URL(`file://${path.join(source, file)}`).href;
  const load = async (file: string) => (await importEsm(url(file))) as Record<string, unknown>;
  const base = await load('base.js');
  const flatbuffers = await load('flatbuffers.js');
  const schema = await load('executorch-schema.js');
  const executorch = await load('executorch.js');
  const BinaryStream = base.BinaryStream as Netron['BinaryStream'];
  const baseReader = base.BinaryReader as { open(data: unknown): unknown };
  const flatReader = flatbuffers.BinaryReader as { open(data: unknown): NetronFlatReader | null };
  const Program = (schema.executorch_flatbuffer as { Program: { create(reader: unknown): NetronProgram } }).Program;
  return {
    dir: source,
    version: pkg.version,
    BinaryStream,
    openBinaryReader: (stream) => baseReader.open(stream),
    openFlatbuffer: (stream) => flatReader.open(stream),
    createProgram: (reader) => Program.create(reader),
    ModelFactory: executorch.ModelFactory as Netron['ModelFactory'],
    importModule: (specifier) => importEsm(specifier),
  };
}

/**
 * The part of Netron's `view.Context` that its ExecuTorch reader uses:
 * `peek('flatbuffers.binary')` in match; `require`, `asset`, `read('binary')`,
 * `set`/`value` in open. Same behaviour for these types as view.js.
 */
class NetronFileContext implements NetronContext {
  readonly stream: NetronStream;
  type?: string;
  value?: unknown;
  private readonly content = new Map<string, unknown>();

  constructor(
    private readonly netron: Netron,
    readonly identifier: string,
    bytes: Uint8Array,
  ) {
    this.stream = new netron.BinaryStream(bytes);
  }

  async asset(file: string): Promise<string> {
    return fs.promises.readFile(path.join(this.netron.dir, file), 'utf-8');
  }

  async require(id: string): Promise<unknown> {
    return this.netron.importModule(new URL(`file://${path.join(this.netron.dir, `${id}.js`)}`).href);
  }

  error(error: Error): void {
    throw error;
  }

  set(type: string, value: unknown): string {
    this.type = type;
    this.value = value;
    return type;
  }

  async peek(type: string): Promise<unknown> {
    if (!this.content.has(type)) {
      this.content.set(type, undefined);
      const position = this.stream.position;
      if (type === 'flatbuffers.binary') {
        try {
          const reader = this.netron.openFlatbuffer(this.stream);
          if (reader) this.content.set(type, reader);
        } catch (e) {
          this.content.set(type, e);
        }
      }
      if (this.stream.position !== position) this.stream.seek(0);
    }
    return this.content.get(type);
  }

  async read(type: string): Promise<unknown> {
    if (type === 'binary') return this.netron.openBinaryReader(this.stream);
    if (type === 'flatbuffers.binary') {
      const reader = this.netron.openFlatbuffer(this.stream);
      if (!reader) throw new Error('Invalid FlatBuffers content.');
      return reader;
    }
    return this.peek(type);
  }
}

function netronDecode(netron: Netron, bytes: Uint8Array): NetronProgram {
  const reader = netron.openFlatbuffer(new netron.BinaryStream(bytes));
  if (!reader || reader.identifier !== 'ET12') throw new Error('Netron does not recognise the file as ExecuTorch');
  return netron.createProgram(reader);
}

export async function netronOpen(
  netron: Netron,
  name: string,
  bytes: Uint8Array,
): Promise<{ model: NetronModel; target: NetronTarget }> {
  const context = new NetronFileContext(netron, name, bytes);
  const factory = new netron.ModelFactory();
  const type = await factory.match(context);
  if (type !== 'executorch') throw new Error('Netron does not recognise the file as ExecuTorch');
  const model = await factory.open(context);
  return { model, target: context.value as NetronTarget };
}

// ---------------------------------------------------------------------------

interface Row {
  file: string;
  size: number;
  ours: Timing | string;
  decode: Timing | string | null;
  graph: Timing | string | null;
  open: Timing | string | null;
  note?: string;
}

function errorText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.length > 90 ? `${message.slice(0, 87)}...` : message;
}

/** Runs `run` once: an error message when it throws, else null. */
async function tryOnce(run: () => unknown): Promise<string | null> {
  try {
    await run();
    return null;
  } catch (e) {
    return errorText(e);
  }
}

function countInstructions(program: NetronProgram): number {
  return program.execution_plan.reduce((s, p) => s + p.chains.reduce((c, ch) => c + ch.instructions.length, 0), 0);
}

type Decode = typeof decodePte;

async function loadDecoder(file: string): Promise<Decode> {
  const module = (await importEsm(new URL(`file://${file}`).href)) as {
    decodePte?: Decode;
    default?: { decodePte?: Decode };
  };
  const decode = module.decodePte ?? module.default?.decodePte;
  if (typeof decode !== 'function') throw new Error(`${file} does not export decodePte`);
  return decode;
}

async function benchFile(
  name: string,
  bytes: Uint8Array,
  decode: Decode,
  netron: Netron | null,
  options: Options,
): Promise<Row> {
  const row: Row = { file: name, size: bytes.length, ours: '', decode: null, graph: null, open: null };
  let ourInstructions: number | null = null;
  const ours = async () => {
    const program = await decode(new MemorySource(bytes, name));
    ourInstructions = program.methods.reduce(
      (s, m) => s + m.chains.reduce((c, ch) => c + ch.instructions.length, 0),
      0,
    );
  };
  const oursError = await tryOnce(ours);
  if (!netron) {
    row.ours = oursError ?? (await measureTogether([ours], options))[0];
    return row;
  }

  let theirInstructions: number | null = null;
  const decodeRun = () => {
    theirInstructions = countInstructions(netronDecode(netron, bytes));
  };
  const decodeError = await tryOnce(decodeRun);
  if (ourInstructions !== null && theirInstructions !== null && ourInstructions !== theirInstructions) {
    row.note = `instruction counts differ: ours ${ourInstructions}, Netron ${theirInstructions}`;
  }

  // Netron decode + model, reusing the python execution (torch schema
  // registry) and delegate payloads of one full open of the same file.
  let graphRun: (() => unknown) | null = null;
  let openError: string | null = null;
  try {
    const { model, target } = await netronOpen(netron, name, bytes);
    const Model = model.constructor as new (target: NetronTarget) => NetronModel;
    const parsed = target.program;
    graphRun = () => {
      const program = netronDecode(netron, bytes);
      program.execution_plan.forEach((plan, i) =>
        plan.delegates.forEach((d, j) => {
          d.backend = parsed.execution_plan[i].delegates[j].backend;
        }),
      );
      target.program = program;
      return new Model(target);
    };
  } catch (e) {
    openError = errorText(e);
  }
  const graphError = graphRun ? await tryOnce(graphRun) : openError;

  const together: (() => unknown)[] = [];
  if (!oursError) together.push(ours);
  if (!decodeError) together.push(decodeRun);
  const timings = await measureTogether(together, options);
  row.ours = oursError ?? timings.shift()!;
  row.decode = decodeError ?? timings.shift()!;
  row.graph = graphError ?? (await measureTogether([graphRun!], options))[0];
  if (openError) row.open = openError;
  else if (options.open) row.open = (await measureTogether([() => netronOpen(netron, name, bytes)], options))[0];
  return row;
}

function geomean(values: number[]): number | null {
  if (values.length === 0) return null;
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

function formatMs(t: Timing | string | null): string {
  if (t === null) return '';
  if (typeof t === 'string') return 'error';
  if (t.median >= 100) return t.median.toFixed(0);
  if (t.median >= 10) return t.median.toFixed(1);
  if (t.median >= 1) return t.median.toFixed(2);
  return t.median.toFixed(3);
}

function formatSize(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

function ratio(theirs: Timing | string | null, ours: Timing | string): number | null {
  return typeof theirs === 'object' && theirs !== null && typeof ours === 'object' ? theirs.median / ours.median : null;
}

function printTable(rows: Row[], withNetron: boolean): void {
  const header = withNetron
    ? ['file', 'size', 'ours ms', 'Netron decode ms', 'ratio', 'Netron +graph ms', 'ratio', 'Netron open ms', 'ratio']
    : ['file', 'size', 'ours ms'];
  const body = rows.map((r) => {
    const cells = [r.file, formatSize(r.size), formatMs(r.ours)];
    if (withNetron) {
      for (const t of [r.decode, r.graph, r.open]) {
        const x = ratio(t, r.ours);
        cells.push(formatMs(t), x === null ? '' : `${x.toFixed(2)}x`);
      }
    }
    return cells;
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const cells of body) console.log(line(cells));
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  let netron: Netron | null = null;
  if (options.netron) netron = await loadNetron(options.netron);
  const decode = options.decoder ? await loadDecoder(options.decoder) : decodePte;

  const inputs: { name: string; bytes: () => Uint8Array }[] = [];
  if (!fs.existsSync(options.fixtures))
    throw new Error(`fixture directory ${options.fixtures} does not exist (use --fixtures DIR)`);
  for (const f of fs
    .readdirSync(options.fixtures)
    .filter((f) => f.endsWith('.pte'))
    .sort()) {
    inputs.push({ name: f, bytes: () => new Uint8Array(fs.readFileSync(path.join(options.fixtures, f))) });
  }
  for (const n of options.synthetic) {
    inputs.push({
      name: `synthetic-${n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : n}.pte`,
      bytes: () => buildSyntheticProgram({ instructions: n, seed: 1 }),
    });
  }

  console.log(
    `decode benchmark: node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'} x${os.cpus().length}, ${os.platform()}`,
  );
  console.log(`fixtures: ${options.fixtures}`);
  console.log(`ours: ${options.decoder ?? 'runtime/format/pte/decodePte (this tree)'}`);
  console.log(
    netron
      ? `Netron ${netron.version} from ${netron.dir}`
      : 'Netron: not loaded (pass --netron DIR for the ratio; see the header of scripts/bench-decode.ts)',
  );
  console.log('');

  const rows: Row[] = [];
  for (const input of inputs) {
    if (options.only && !options.only.test(input.name)) continue;
    process.stderr.write(`  ${input.name}...\n`);
    rows.push(await benchFile(input.name, input.bytes(), decode, netron, options));
  }

  printTable(rows, netron !== null);
  console.log('');
  const errors = rows.flatMap((r) => {
    const out: string[] = [];
    if (typeof r.ours === 'string') out.push(`${r.file}: ours: ${r.ours}`);
    if (typeof r.decode === 'string') out.push(`${r.file}: Netron decode: ${r.decode}`);
    if (typeof r.open === 'string') out.push(`${r.file}: Netron open: ${r.open}`);
    else if (typeof r.graph === 'string') out.push(`${r.file}: Netron +graph: ${r.graph}`);
    if (r.note) out.push(`${r.file}: ${r.note}`);
    return out;
  });
  if (errors.length > 0) {
    console.log('errors (excluded from the means):');
    for (const e of errors) console.log(`  ${e}`);
    console.log('');
  }

  if (!netron) {
    console.log('No ratio: Netron was not loaded. Extract its sources and pass them, e.g.');
    console.log(`  ${EXTRACT_HINT}`);
    console.log('  node out/scripts/bench-decode.js --netron /tmp/netron');
    return;
  }
  const summarise = (
    label: string,
    pick: (r: Row) => Timing | string | null,
    filter: (r: Row) => boolean = () => true,
  ) => {
    const ratios = rows
      .filter(filter)
      .map((r) => ratio(pick(r), r.ours))
      .filter((x): x is number => x !== null);
    const g = geomean(ratios);
    console.log(`${label}: ${g === null ? 'n/a' : `${g.toFixed(2)}x`} over ${ratios.length} files`);
  };
  const synthetic = (r: Row) => r.file.startsWith('synthetic-');
  console.log('geometric mean of Netron / ours (> 1: ours is faster)');
  summarise('  decode, all files          ', (r) => r.decode);
  summarise(
    '  decode, real fixtures      ',
    (r) => r.decode,
    (r) => !synthetic(r),
  );
  summarise('  decode, synthetic          ', (r) => r.decode, synthetic);
  summarise('  decode+graph (informative) ', (r) => r.graph);
  summarise('  full open (informative)    ', (r) => r.open);
  console.log(
    '  (full open is dominated by its fixed cost: a new python.Execution and torch schema registry per file)',
  );
}

// bench-graph.ts imports the Netron loader from here.
if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
