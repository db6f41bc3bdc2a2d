/**
 * Fuzzes every decoder with mutations and truncations of the real fixtures.
 *
 *   npm run fuzz -- [--cases N] [--seed S] [--fixtures DIR]
 *
 * N is the total number of cases (default 100 000), spread evenly over the
 * fixtures. Prints the figures and exits 1 on any exception other than a
 * FormatError, an error offset outside the file, or any case slower than one second.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fuzzFixtures } from './fuzz/fuzzRun';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { cases: { type: 'string' }, seed: { type: 'string' }, fixtures: { type: 'string' } },
  });
  const dir = path.resolve(values.fixtures ?? path.join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'real'));
  const files = fs.readdirSync(dir).filter((f) => /\.(pte|ptd|bpte|etdp)$/.test(f)).length;
  const total = Number(values.cases ?? 100_000);
  const seed = Number(values.seed ?? 1);
  const report = await fuzzFixtures(dir, Math.ceil(total / files), seed);
  console.log(
    `fuzzed ${report.cases} cases over ${files} fixtures (seed ${seed}) in ${(report.totalMs / 1000).toFixed(1)} s`,
  );
  console.log(`  decoded without error: ${report.decoded}`);
  console.log(
    `  FormatError:           ${report.formatErrors} (${report.offsetsOutsideFile} with an offset outside the file)`,
  );
  console.log(`  other exceptions:      ${report.failures.length}`);
  console.log(
    `  slowest case:          ${report.slowest.ms.toFixed(1)} ms (${report.slowest.file}, ${report.slowest.strategy}, seed ${report.slowest.seed})`,
  );
  console.log(`  mean per case:         ${(report.totalMs / report.cases).toFixed(3)} ms`);
  for (const f of report.failures.slice(0, 10))
    console.log(`\nFAILURE ${f.file} ${f.strategy} seed ${f.seed}\n${f.error}`);
  if (report.failures.length || report.offsetsOutsideFile || report.slowest.ms > 1000) process.exitCode = 1;
}

void main();
