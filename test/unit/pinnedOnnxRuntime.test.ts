import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliBundle } from './cliBundle';
import { REAL_FIXTURES, realFixture } from './fixtures';

const ROOT = path.join(__dirname, '..', '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TARGETS, onnxRuntimeSource } = require(path.join(ROOT, 'scripts', 'vscode', 'targets.js')) as {
  TARGETS: Record<string, { ort: 'dependency' | { node: { version: string } } }>;
  onnxRuntimeSource(target: string): { ort: string; common: string };
};

type GoldenValue =
  { kind: string; value: unknown } | { dtype: string; shape: number[]; values: (number | string | boolean)[] };
interface GoldenEntry {
  file: string;
  method: string | null;
  inputs: GoldenValue[];
  expected: GoldenValue[];
  atol: number | null;
  rtol: number | null;
  data_files?: string[];
  expected_error?: string;
}

const explicit = (v: GoldenValue) => 'kind' in v || Array.isArray(v.values);

/**
 * The darwin-x64 package carries an older onnxruntime-node than the others
 * (the last release with Intel Mac binaries). Its Mac binaries cannot run
 * here, but the same release's Linux x64 build can: golden.json's programs
 * run on it through the CLI bundle, JS and binaries of that release together
 * as the package holds them.
 */
describe('the onnxruntime-node release pinned for darwin-x64', function () {
  this.timeout(240_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-pinned-ort-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs every golden.json program with explicit values to its expected outputs', async () => {
    const pinned = TARGETS['darwin-x64'].ort;
    assert.notEqual(pinned, 'dependency');
    const { ort, common } = onnxRuntimeSource('darwin-x64');
    // As the package lays it out (scripts/vscode/targets.js), with this machine's binaries of that release.
    const modules = path.join(dir, 'node_modules');
    for (const part of ['package.json', 'dist', 'bin/napi-v6/linux/x64'])
      fs.cpSync(path.join(ort, part), path.join(modules, 'onnxruntime-node', part), { recursive: true });
    for (const part of ['package.json', 'dist/cjs'])
      fs.cpSync(path.join(common, part), path.join(modules, 'onnxruntime-common', part), { recursive: true });
    const bundle = path.join(dir, 'pte-explorer.js');
    fs.copyFileSync(await cliBundle(), bundle);

    const golden: GoldenEntry[] = JSON.parse(fs.readFileSync(path.join(REAL_FIXTURES, 'golden.json'), 'utf8'));
    const seen = new Set<string>();
    const entries = golden
      .filter((e) => !e.expected_error && e.method && e.inputs.every(explicit) && e.expected.every(explicit))
      .filter((e) => !seen.has(`${e.file}:${e.method}`) && seen.add(`${e.file}:${e.method}`));
    assert.ok(entries.length >= 15, `${entries.length} entries`);
    const failures: string[] = [];
    for (const [i, entry] of entries.entries()) {
      const inputs = path.join(dir, `inputs-${i}.json`);
      fs.writeFileSync(inputs, JSON.stringify(entry.inputs));
      const args = [
        bundle,
        'run',
        realFixture(entry.file),
        '--method',
        entry.method!,
        '--inputs',
        inputs,
        '--json',
        ...(entry.data_files ?? []).flatMap((f) => ['--data', realFixture(f)]),
      ];
      const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      const label = `${entry.file} ${entry.method}`;
      if (r.status !== 0) {
        failures.push(`${label}: exit ${r.status}: ${r.stderr.trim()}`);
        continue;
      }
      const result = JSON.parse(r.stdout);
      assert.equal(result.engine, 'onnx');
      entry.expected.forEach((want, k) => {
        const got = result.outputs[k];
        if ('kind' in want) {
          if (JSON.stringify(got) !== JSON.stringify({ kind: want.kind, value: want.value }))
            failures.push(`${label} output ${k}: ${JSON.stringify(got)}`);
          return;
        }
        const have: number[] = got.values.map(Number);
        want.values.map(Number).forEach((w, j) => {
          if (!(Math.abs(have[j] - w) <= (entry.atol ?? 0) + (entry.rtol ?? 0) * Math.abs(w)))
            failures.push(`${label} output ${k}[${j}]: ${have[j]} vs ${w}`);
        });
      });
    }
    assert.deepEqual(failures, []);
    const version = JSON.parse(fs.readFileSync(path.join(ort, 'package.json'), 'utf8')).version;
    assert.equal(version, (pinned as { node: { version: string } }).node.version);
  });
});
