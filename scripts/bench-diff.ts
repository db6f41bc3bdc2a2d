/**
 * Throughput and memory of a `.ptd` diff on two large files.
 *
 * Usage
 *   npm run bench:diff                               # generate a ~2.3 GB pair in the temp folder, diff it, delete it
 *   npm run bench:diff -- --a X.ptd --b Y.ptd        # diff two existing files (nothing is deleted)
 *   node out/scripts/bench-diff.js [options]          # after `npm run build`
 *
 * Options
 *   --a FILE, --b FILE   files to diff instead of generated ones
 *   --dir DIR            where to generate (default: the OS temp folder)
 *   --layers N           decoder layers of the generated model (default 28: Qwen3-0.6B's
 *                        shapes in float32, about 2.3 GB per file)
 *   --qwen3              generate the first file with the sample generator's qwen3-0.6b
 *                        preset (foundation.ptd, normal-distributed weights; slower)
 *   --chunk-mb N         bytes read per step from each file (default 4)
 *   --keep               keep the generated files
 *   --hash               also compute every tensor's SHA-256 (the diff's `hash` option)
 *
 * What happens
 *   1. File a is written (streamed, never held), b is a copy of a with four
 *      tensors changed in place: one element of the embedding table, every
 *      element of one attention projection (scaled by 1.001), 1 % of the
 *      elements of one MLP weight, and the final norm.
 *   2. Child processes read both files with fs.read loops (8 MiB buffers),
 *      one file after the other and both at once (the diff reads both at
 *      once): the disk's figures for the same bytes in the same cache state,
 *      the peers of the diff's throughput.
 *   3. Another child process runs diffDataFiles on the two files and reports
 *      the wall time, the throughput (bytes of both files / time), and its
 *      peak RSS (getrusage maxrss) above its RSS before the diff started.
 *   4. The changed keys found are checked against the planted ones.
 * Both are measured twice: cold (the two files' pages dropped from the page
 * cache before each measurement with GNU dd's `iflag=nocache`, which touches
 * no other file) and warm (files cached: memory-speed figures). Without a dd
 * that can drop a file's cache, only warm figures are printed.
 *
 * Option
 *   --warm-only          skip the cold measurements
 */
import { fork, spawnSync } from 'node:child_process';
import { promises as fs, openSync, readSync, closeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileSource } from '../runtime/format/byteSource';
import { decodePtd, entryByKey } from '../runtime/format/ptd/decodePtd';
import { writePtdFile } from '../runtime/format/writer/writePtd';
import { PtdEntryInput } from '../runtime/format/writer/types';
import { diffDataFiles } from '../runtime/diff/dataFileDiff';
import { formatBytes } from '../runtime/text/formatBytes';

const FLOAT32 = 6;

interface Options {
  a: string | null;
  b: string | null;
  dir: string;
  layers: number;
  qwen3: boolean;
  chunkMb: number;
  keep: boolean;
  warmOnly: boolean;
  hash: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    a: null,
    b: null,
    dir: os.tmpdir(),
    layers: 28,
    qwen3: false,
    chunkMb: 4,
    keep: false,
    warmOnly: false,
    hash: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    switch (argv[i]) {
      case '--a':
        o.a = next();
        break;
      case '--b':
        o.b = next();
        break;
      case '--dir':
        o.dir = next();
        break;
      case '--layers':
        o.layers = Number(next());
        break;
      case '--chunk-mb':
        o.chunkMb = Number(next());
        break;
      case '--qwen3':
        o.qwen3 = true;
        break;
      case '--keep':
        o.keep = true;
        break;
      case '--warm-only':
        o.warmOnly = true;
        break;
      case '--hash':
        o.hash = true;
        break;
      default:
        throw new Error(`unknown option ${argv[i]}`);
    }
  }
  if ((o.a === null) !== (o.b === null)) throw new Error('--a and --b go together');
  return o;
}

// ---------------------------------------------------------------- generated files

/** Qwen3-0.6B's parameter shapes (float32), names as ExecuTorch's Llama definition has them. */
function modelShapes(layers: number): { key: string; sizes: number[] }[] {
  const out = [{ key: 'tok_embeddings.weight', sizes: [151936, 1024] }];
  for (let i = 0; i < layers; i++) {
    const l = `layers.${i}`;
    out.push(
      { key: `${l}.attention_norm.weight`, sizes: [1024] },
      { key: `${l}.attention.wq.weight`, sizes: [2048, 1024] },
      { key: `${l}.attention.wk.weight`, sizes: [1024, 1024] },
      { key: `${l}.attention.wv.weight`, sizes: [1024, 1024] },
      { key: `${l}.attention.wo.weight`, sizes: [1024, 2048] },
      { key: `${l}.ffn_norm.weight`, sizes: [1024] },
      { key: `${l}.feed_forward.w1.weight`, sizes: [3072, 1024] },
      { key: `${l}.feed_forward.w2.weight`, sizes: [1024, 3072] },
      { key: `${l}.feed_forward.w3.weight`, sizes: [3072, 1024] },
    );
  }
  out.push({ key: 'norm.weight', sizes: [1024] });
  return out;
}

/** Cheap pseudo-random float32 values in [-0.05, 0.05), generated a block at a time. */
function* values(seed: number, count: number): Generator<Uint8Array> {
  const block = 1 << 20;
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let first = 0; first < count; first += block) {
    const out = new Float32Array(Math.min(block, count - first));
    for (let i = 0; i < out.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = ((x >>> 0) / 2 ** 32 - 0.5) * 0.1;
    }
    yield new Uint8Array(out.buffer);
  }
}

async function writeModel(file: string, layers: number): Promise<number> {
  const entries: PtdEntryInput[] = modelShapes(layers).map((s, i) => {
    const count = s.sizes.reduce((a, b) => a * b, 1);
    return {
      key: s.key,
      layout: { scalarType: FLOAT32, sizes: s.sizes, dimOrder: s.sizes.map((_, d) => d) },
      size: count * 4,
      chunks: () => values(i + 1, count),
    };
  });
  return (await writePtdFile(file, entries)).size;
}

async function writeQwen3Foundation(dir: string): Promise<string> {
  const { writeLoraSample } = await import('../runtime/samples/transformer/loraSample');
  const { PRESETS } = await import('../runtime/samples/transformer/config');
  const out = path.join(dir, 'qwen3');
  await writeLoraSample({
    dir: out,
    seed: 1,
    config: PRESETS['qwen3-0.6b'],
    backend: 'portable',
    commandLine: 'bench-diff --qwen3',
  });
  return path.join(out, 'foundation.ptd');
}

/** Rewrites part of one entry of `file` in place through `change(values, firstElement)`. */
async function plant(file: string, key: string, change: (v: Float32Array, first: number) => void): Promise<void> {
  const source = await FileSource.open(file);
  const entry = entryByKey(await decodePtd(source)).get(key);
  await source.close();
  if (!entry) throw new Error(`${file} has no key ${key}`);
  const handle = await fs.open(file, 'r+');
  try {
    const step = 4 << 20;
    for (let at = 0; at < entry.range.length; at += step) {
      const n = Math.min(step, entry.range.length - at);
      const bytes = new Uint8Array(n);
      await handle.read(bytes, 0, n, entry.range.offset + at);
      change(new Float32Array(bytes.buffer), at / 4);
      await handle.write(bytes, 0, n, entry.range.offset + at);
    }
  } finally {
    await handle.close();
  }
}

/** Changes four tensors of b; returns their keys. */
async function plantChanges(b: string): Promise<string[]> {
  const planted: [string, (v: Float32Array, first: number) => void][] = [
    [
      'tok_embeddings.weight',
      (v, first) => {
        const target = 75_000_000; // one element, in the middle of the table
        if (target >= first && target < first + v.length) v[target - first] += 0.5;
      },
    ],
    ['layers.5.attention.wq.weight', (v) => v.forEach((x, i) => (v[i] = x * 1.001))],
    [
      'layers.13.feed_forward.w2.weight',
      (v, first) =>
        v.forEach((x, i) => {
          if ((first + i) % 100 === 0) v[i] = x + 0.01;
        }),
    ],
    ['norm.weight', (v) => v.forEach((x, i) => (v[i] = x + 1))],
  ];
  const keys = [];
  for (const [key, change] of planted) {
    try {
      await plant(b, key, change);
      keys.push(key);
    } catch (e) {
      if (!/has no key/.test((e as Error).message)) throw e;
    }
  }
  return keys;
}

// ---------------------------------------------------------------- measurements (child processes)

interface RawResult {
  kind: 'raw';
  seconds: number;
  bytes: number;
}

interface DiffResult {
  kind: 'diff';
  seconds: number;
  bytes: number;
  rssBefore: number;
  peakRss: number;
  changed: string[];
  bytesRead: number;
  keys: number;
}

/** Both files at once, as the diff reads them: one async fs.read loop per file, each with its own 8 MiB buffer. */
async function rawReadParallel(files: string[]): Promise<RawResult> {
  const started = process.hrtime.bigint();
  const sizes = await Promise.all(
    files.map(async (f) => {
      const handle = await fs.open(f, 'r');
      const buffer = Buffer.allocUnsafe(8 << 20);
      let at = 0;
      try {
        for (let n; (n = (await handle.read(buffer, 0, buffer.length, at)).bytesRead) > 0;) at += n;
      } finally {
        await handle.close();
      }
      return at;
    }),
  );
  return {
    kind: 'raw',
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    bytes: sizes.reduce((x, y) => x + y, 0),
  };
}

function rawRead(files: string[]): RawResult {
  const buffer = Buffer.allocUnsafe(8 << 20);
  let bytes = 0;
  const started = process.hrtime.bigint();
  for (const f of files) {
    const fd = openSync(f, 'r');
    try {
      for (let at = 0, n; (n = readSync(fd, buffer, 0, buffer.length, at)) > 0; at += n) bytes += n;
    } finally {
      closeSync(fd);
    }
  }
  return { kind: 'raw', seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes };
}

async function measureDiff(a: string, b: string, chunkMb: number, hash: boolean): Promise<DiffResult> {
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const [sa, sb] = [await FileSource.open(a), await FileSource.open(b)];
  try {
    const r = await diffDataFiles(await decodePtd(sa), await decodePtd(sb), { chunkBytes: chunkMb << 20, hash });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      kind: 'diff',
      seconds,
      bytes: sa.size + sb.size,
      rssBefore,
      peakRss: process.resourceUsage().maxRSS * 1024,
      changed: r.tensors.filter((t) => t.status !== 'identical').map((t) => t.key),
      bytesRead: r.counts.bytesRead,
      keys: r.tensors.length,
    };
  } finally {
    await sa.close();
    await sb.close();
  }
}

/** Drops the files' pages from the page cache (GNU dd, posix_fadvise DONTNEED); false when that is not possible. */
function dropFromCache(files: string[]): boolean {
  return files.every((f) => spawnSync('dd', [`if=${f}`, 'iflag=nocache', 'count=0', 'status=none']).status === 0);
}

function child<T>(args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const p = fork(__filename, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: T | null = null;
    p.on('message', (m) => (result = m as T));
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 && result ? resolve(result) : reject(new Error(`measurement ${args[0]} exited with ${code}`)),
    );
  });
}

// ---------------------------------------------------------------- main

const mbps = (bytes: number, seconds: number) => `${(bytes / 1e6 / seconds).toFixed(0)} MB/s`;

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--measure-raw') {
    process.send!(rawRead(argv.slice(1)));
    return;
  }
  if (argv[0] === '--measure-raw-parallel') {
    process.send!(await rawReadParallel(argv.slice(1)));
    return;
  }
  if (argv[0] === '--measure-diff') {
    process.send!(await measureDiff(argv[1], argv[2], Number(argv[3]), argv[4] === 'hash'));
    return;
  }
  const o = parseOptions(argv);
  let a = o.a;
  let b = o.b;
  let planted: string[] | null = null;
  const generated: string[] = [];
  try {
    if (a === null || b === null) {
      const dir = await fs.mkdtemp(path.join(o.dir, 'bench-diff-'));
      generated.push(dir);
      const started = Date.now();
      if (o.qwen3) {
        a = await writeQwen3Foundation(dir);
      } else {
        a = path.join(dir, 'a.ptd');
        await writeModel(a, o.layers);
      }
      b = path.join(dir, 'b.ptd');
      await fs.copyFile(a, b);
      planted = await plantChanges(b);
      console.log(
        `generated ${formatBytes((await fs.stat(a)).size)} × 2 in ${dir} (${((Date.now() - started) / 1000).toFixed(1)} s); planted changes in ${planted.join(', ')}`,
      );
    }
    const files = [a, b];
    const states = o.warmOnly || !dropFromCache(files) ? ['warm'] : ['cold', 'warm'];
    let diff: DiffResult | null = null;
    for (const state of states) {
      if (state === 'cold') dropFromCache(files);
      const raw = await child<RawResult>(['--measure-raw', ...files]);
      if (state === 'cold') dropFromCache(files);
      const parallel = await child<RawResult>(['--measure-raw-parallel', ...files]);
      if (state === 'cold') dropFromCache(files);
      diff = await child<DiffResult>(['--measure-diff', a, b, String(o.chunkMb), o.hash ? 'hash' : 'no-hash']);
      if (state === 'warm') console.log(`files: ${a} and ${b}, ${formatBytes(diff.bytes)} together, ${diff.keys} keys`);
      const rawSpeed = Math.max(raw.bytes / raw.seconds, parallel.bytes / parallel.seconds);
      console.log(
        `${state}: raw read (fs.read loops, 8 MiB buffer) ${mbps(raw.bytes, raw.seconds)} one file after the other, ${mbps(parallel.bytes, parallel.seconds)} both at once; ` +
          `diff (${o.chunkMb} MiB chunks${o.hash ? ', SHA-256' : ''}) ${diff.seconds.toFixed(2)} s, ${mbps(diff.bytes, diff.seconds)} = ${((diff.bytes / diff.seconds / rawSpeed) * 100).toFixed(0)} % of the faster raw read, ` +
          `${formatBytes(diff.bytesRead)} read; peak RSS growth ${((diff.peakRss - diff.rssBefore) / 2 ** 20).toFixed(1)} MiB ` +
          `(${(diff.rssBefore / 2 ** 20).toFixed(1)} MiB before, peak ${(diff.peakRss / 2 ** 20).toFixed(1)} MiB)`,
      );
    }
    console.log(`changed keys found: ${diff!.changed.join(', ') || 'none'}`);
    if (planted) {
      const found = diff!.changed;
      const ok = planted.length === found.length && planted.every((k) => found.includes(k));
      console.log(ok ? 'matches the planted changes' : `DOES NOT match the planted changes (${planted.join(', ')})`);
      if (!ok) process.exitCode = 1;
    }
  } finally {
    if (!o.keep) for (const g of generated) await fs.rm(g, { recursive: true, force: true });
    else if (generated.length) console.log(`kept ${generated.join(', ')}`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 2;
});
