import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seededRandom } from '../../runtime/exec/randomInputs';
import { mutate, STRATEGIES } from '../../scripts/fuzz/mutate';
import { cliBundle, failureShape, runCli } from './cliBundle';
import { realFixture, realFixtureNames } from './fixtures';

/** How many mutated fixtures the slice holds: four CLI runs each, about half a second per run. */
const SLICE = 14;
const SEED = 20261207;
const BUDGET_MS = 2_000;
/** The program a mutated data file is linked to and run with. */
const PTD_PROGRAM = 'et-2025-02-linear.pte';

describe('CLI over fuzz-mutated fixtures', function () {
  this.timeout(180_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-cli-fuzz-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it(`inspect, link, run and diff answer every mutation of a ${SLICE}-file slice with exit 0/1/2, one line, no stack trace, within ${BUDGET_MS} ms`, async () => {
    const bundle = await cliBundle();
    const names = realFixtureNames();
    const random = seededRandom(SEED);
    const problems: string[] = [];
    let runs = 0;
    for (let i = 0; i < SLICE; i++) {
      const name = names[Math.floor(random() * names.length)];
      const strategy = STRATEGIES[i % STRATEGIES.length];
      const seed = Math.floor(random() * 2 ** 31);
      const original = realFixture(name);
      const mutated = path.join(dir, String(i), name);
      fs.mkdirSync(path.dirname(mutated));
      fs.writeFileSync(mutated, mutate(fs.readFileSync(original), strategy, seed));
      const isData = name.endsWith('.ptd');
      const commands = [
        ['inspect', mutated],
        isData ? ['link', realFixture(PTD_PROGRAM), mutated] : ['link', mutated],
        isData ? ['run', realFixture(PTD_PROGRAM), '--data', mutated] : ['run', mutated],
        ['diff', original, mutated],
      ];
      for (const args of commands) {
        const r = runCli(bundle, args);
        runs++;
        const found = failureShape(r);
        if (r.ms > BUDGET_MS) found.push(`took ${Math.round(r.ms)} ms`);
        if (found.length) problems.push(`${args[0]} of ${name} (${strategy}, seed ${seed}): ${found.join('; ')}`);
      }
    }
    assert.equal(runs, SLICE * 4);
    assert.deepEqual(problems, []);
  });
});
