import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The generator is a plain Node script so `npm run generate:schemas` needs no build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generate, generatedDir } = require('../../../scripts/generate-schemas.js') as {
  generate(outDir: string): void;
  generatedDir: string;
};

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe('generated flatbuffer readers', () => {
  it('match what flatc makes from the committed schemas (run `npm run generate:schemas` if not)', function () {
    this.timeout(60_000);
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-schemas-'));
    try {
      generate(fresh);
      const committed = listFiles(generatedDir);
      assert.deepEqual(listFiles(fresh), committed);
      for (const file of committed) {
        const same = fs.readFileSync(path.join(fresh, file)).equals(fs.readFileSync(path.join(generatedDir, file)));
        assert.ok(same, `${file} is stale`);
      }
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});
