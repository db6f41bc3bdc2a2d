import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';
import { blankWebviews } from './helpers';

/**
 * Entry point the extension host loads for `extensionTestsPath`: runs every
 * `*.test.js` beside this file with mocha and resolves when they pass. The
 * last line it logs is `N passed, N failed`, which the runner reads.
 */
export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 150_000, color: false, reporter: 'spec' });
  const grep = process.env.PTE_EXPLORER_TEST_GREP;
  if (grep) mocha.grep(grep);
  for (const file of readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run((failed) => resolve(failed));
    runner.once('end', () => {
      const { passes = 0, failures = 0 } = runner.stats ?? {};
      if (blankWebviews.length)
        console.log(
          `the web workbench left ${blankWebviews.length} webview(s) blank; reopened: ${blankWebviews.join(', ')}`,
        );
      console.log(`${passes} passed, ${failures} failed`);
    });
  });
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
