import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fixtureCases, randomCase, sampleCases } from './verify/cases';
import { DEFAULT_EXECUTORCH_SOURCES, readPortableOperators } from './verify/portableOperators';
import { caseLine, Tally } from './verify/report';
import { ENGINE_ORDER, engineAvailable, verifyCase } from './verify/runEngines';

/**
 * `npm run verify:engines`: every real fixture, every generated sample and
 * `--count` random programs (seeds `--seed` … `--seed + count − 1`) on every
 * available engine; one line per program with each engine's agreement with
 * the reference (executorch where it runs the program), then counts per
 * engine pair and refusals by reason. Exit 1 on any disagreement beyond the
 * per-dtype tolerance (scripts/verify/agreement.ts).
 */
const USAGE =
  'usage: node out/scripts/verify-engines.js [--count N] [--seed S] [--engines executorch,onnx,reference] [--executorch SOURCES] [--fixtures DIR] [--quiet]\n' +
  '       node out/scripts/verify-engines.js --explain SEED   (random program SEED with every written value as an output, each compared)';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      engines: { type: 'string', default: ENGINE_ORDER.join(',') },
      executorch: { type: 'string', default: DEFAULT_EXECUTORCH_SOURCES },
      fixtures: { type: 'string', default: path.resolve(__dirname, '..', '..', '..', 'shared', 'fixtures', 'real') },
      quiet: { type: 'boolean', default: false },
      explain: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const count = Number(values.count);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count < 0 || !Number.isInteger(seed)) {
    console.error(USAGE);
    return 2;
  }
  const requested = values.engines
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const engines = requested.filter(engineAvailable);
  const missing = requested.filter((e) => !engineAvailable(e));
  console.log(
    `engines: ${engines.join(', ')}${missing.length ? ` (not available in this build: ${missing.join(', ')})` : ''}`,
  );
  if (engines.length < 2) {
    console.error('verify:engines needs at least two engines');
    return 2;
  }
  const portable = readPortableOperators(values.executorch);
  console.log(`portable kernels: ${portable.size} operators from ${values.executorch}`);

  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'verify-engines-'));
  if (values.explain !== undefined) {
    try {
      const r = await verifyCase(await randomCase(tmp, Number(values.explain), portable, true), engines);
      console.log(caseLine(r));
      for (const p of r.pairs)
        for (const o of p.outputs)
          console.log(
            `  ${p.engine}~${p.reference} ${o.where} ${o.dtype} ${o.agree ? 'agree' : 'DISAGREE'} Δ ${o.maxAbs} ulps ${o.maxUlps}${o.reason ? ` ${o.reason}` : ''}`,
          );
      return r.pairs.every((p) => p.agree) ? 0 : 1;
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  }
  const tally = new Tally();
  const start = Date.now();
  const report = async (c: Parameters<typeof verifyCase>[0]): Promise<void> => {
    const r = await verifyCase(c, engines);
    tally.add(r);
    if (!values.quiet || r.pairs.some((p) => !p.agree)) console.log(caseLine(r));
  };
  try {
    for (const c of await fixtureCases(values.fixtures)) await report(c);
    for (const c of await sampleCases(path.join(tmp, 'samples'))) await report(c);
    const randomDir = path.join(tmp, 'random');
    await fs.mkdir(randomDir);
    for (let s = seed; s < seed + count; s++) {
      const c = await randomCase(randomDir, s, portable);
      await report(c);
      await fs.rm(c.file, { force: true });
      for (const d of c.dataFiles) await fs.rm(d, { force: true });
    }
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
  console.log(`\nsummary (${((Date.now() - start) / 1000).toFixed(0)} s):`);
  for (const line of tally.summary()) console.log(line);
  return tally.disagreements > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`verify:engines: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 2;
  },
);
