import * as assert from 'node:assert/strict';
import { fuzzFixtures } from '../../scripts/fuzz/fuzzRun';
import { mutate, STRATEGIES } from '../../scripts/fuzz/mutate';
import { REAL_FIXTURES } from './fixtures';

describe('decoders under fuzzing (the full run is `npm run fuzz`)', () => {
  it('raise nothing but located FormatErrors, quickly, on 4 000 mutants of the real fixtures', async function () {
    this.timeout(120_000);
    const report = await fuzzFixtures(REAL_FIXTURES, 150, 2026);
    assert.ok(report.cases >= 4000, `${report.cases} cases`);
    assert.deepEqual(
      report.failures.map((f) => `${f.file} ${f.strategy} seed ${f.seed}: ${f.error}`),
      [],
    );
    assert.equal(report.offsetsOutsideFile, 0);
    assert.ok(
      report.slowest.ms < 1000,
      `slowest case took ${report.slowest.ms} ms (${report.slowest.file} seed ${report.slowest.seed})`,
    );
    // The mutants must reach past the identifier checks, or the run proves little.
    assert.ok(report.decoded > report.cases / 10 && report.formatErrors > report.cases / 10, JSON.stringify(report));
  });

  it('mutations are deterministic and actually change the bytes', () => {
    const original = new Uint8Array(256).map((_, i) => i);
    for (const strategy of STRATEGIES) {
      const a = mutate(original, strategy, 42);
      assert.deepEqual(a, mutate(original, strategy, 42));
      assert.notDeepEqual(a, original, strategy);
    }
  });
});
