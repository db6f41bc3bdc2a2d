import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REAL_FIXTURES, realFixture } from './fixtures';

const ROOT = path.join(__dirname, '..', '..', '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx';

interface GoldenEntry {
  file: string;
  method: string;
  data_files?: string[];
  inputs: { dtype: string; shape: number[]; values: number[] }[];
  expected: { dtype: string; shape: number[]; values: number[] }[];
  atol: number | null;
  rtol: number | null;
}

/**
 * The CLI as a user gets it: `npm pack` of packages/cli, installed from the
 * tarball into an empty folder with `npm install` (onnxruntime-node from the
 * registry, or npm's cache), then run with `npx pte-explorer`.
 */
describe('the pte-explorer CLI package', function () {
  this.timeout(240_000);
  let work: string;
  let tarball: string;
  let files: string[];
  let project: string;

  const npx = (...args: string[]) => {
    const r = spawnSync(NPX, ['--no-install', 'pte-explorer', ...args], {
      cwd: project,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-cli-package-'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { packCli } = require(path.join(ROOT, 'scripts', 'cli', 'pack.js')) as {
      packCli(dest: string): Promise<{ file: string; files: string[] }>;
    };
    ({ file: tarball, files } = await packCli(work));
    project = path.join(work, 'project');
    fs.mkdirSync(project);
    // A project of its own: without a package.json npm installs into the nearest folder above that has one or a node_modules.
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'ci-project', version: '1.0.0', private: true }),
    );
    execFileSync(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error', tarball], {
      cwd: project,
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('installs into the empty project', () => {
    assert.deepEqual(
      Object.keys(JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')).dependencies),
      ['pte-explorer'],
    );
    assert.ok(fs.existsSync(path.join(project, 'node_modules', 'onnxruntime-node', 'package.json')));
  });

  it('holds the CLI bundle and nothing of VS Code', () => {
    const optional = ['dist/native/executorch.node'];
    assert.deepEqual(
      files.filter((f) => !optional.includes(f)),
      ['LICENSE', 'README.md', 'bin/pte-explorer.js', 'dist/pte-explorer.js', 'package.json'],
    );
    const manifest = JSON.parse(
      fs.readFileSync(path.join(project, 'node_modules', 'pte-explorer', 'package.json'), 'utf8'),
    );
    assert.equal(manifest.version, JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
    assert.deepEqual(Object.keys(manifest.dependencies), ['onnxruntime-node']);
    assert.equal(manifest.contributes, undefined);
    assert.equal(manifest.engines.vscode, undefined);
    const bundle = fs.readFileSync(
      path.join(project, 'node_modules', 'pte-explorer', 'dist', 'pte-explorer.js'),
      'utf8',
    );
    assert.doesNotMatch(bundle, /require\("vscode"\)/);
  });

  it('npx pte-explorer inspect summarises a real program', () => {
    const r = npx('inspect', realFixture('enr-quantized.pte'), '--json');
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.equal(json.kind, 'pte');
    assert.deepEqual(
      json.methods[0].delegates.map((d: { backend: string }) => d.backend),
      ['XnnpackBackend'],
    );
  });

  it('npx pte-explorer link resolves a real pair and exits 1 without the data file', () => {
    const ok = npx(
      'link',
      realFixture('rs-data-map-model.pte'),
      realFixture('rs-data-map-_default_external_constant.ptd'),
      '--json',
    );
    assert.equal(ok.code, 0, ok.err);
    assert.deepEqual(
      JSON.parse(ok.out).resolved.map((r: { key: string }) => r.key),
      ['a', 'b'],
    );
    assert.equal(npx('link', realFixture('rs-data-map-model.pte')).code, 1);
  });

  it("npx pte-explorer run gives golden.json's outputs on the installed onnxruntime-node", () => {
    const golden: GoldenEntry[] = JSON.parse(fs.readFileSync(path.join(REAL_FIXTURES, 'golden.json'), 'utf8'));
    const entry = golden.find((e) => e.file === 'et-2025-02-linear.pte')!;
    const inputs = path.join(work, 'inputs.json');
    fs.writeFileSync(inputs, JSON.stringify(entry.inputs));
    const r = npx(
      'run',
      realFixture(entry.file),
      '--method',
      entry.method,
      '--inputs',
      inputs,
      ...entry.data_files!.flatMap((f) => ['--data', realFixture(f)]),
      '--json',
    );
    assert.equal(r.code, 0, r.err);
    const result = JSON.parse(r.out);
    assert.equal(result.engine, 'onnx');
    const [want] = entry.expected;
    assert.deepEqual(result.outputs[0].shape, want.shape);
    result.outputs[0].values.forEach((v: number, i: number) => {
      assert.ok(
        Math.abs(v - want.values[i]) <= (entry.atol ?? 0) + (entry.rtol ?? 0) * Math.abs(want.values[i]),
        `output[${i}]: ${v} vs ${want.values[i]}`,
      );
    });
  });

  it('npx pte-explorer diff tells two real programs apart and a program from itself', () => {
    const same = npx('diff', realFixture('et-2026-02-conv2d-layer0.pte'), realFixture('et-2026-02-conv2d-layer0.pte'));
    assert.equal(same.code, 0, same.err);
    const different = npx(
      'diff',
      realFixture('et-2026-02-conv2d-layer0.pte'),
      realFixture('et-2026-02-conv2d-layer5.pte'),
      '--json',
    );
    assert.equal(different.code, 1, different.err);
    assert.equal(JSON.parse(different.out).identical, false);
  });

  it('answers malformed input with exit code 2 and one line', () => {
    const r = npx('inspect', realFixture('djl-corrupt.pte'));
    assert.equal(r.code, 2);
    assert.equal(r.err.trim().split('\n').length, 1);
    assert.match(r.err, /djl-corrupt\.pte: .*byte offset/);
  });
});
