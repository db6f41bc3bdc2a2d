import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { processMemory } from '../../scripts/bench/runChild';

/**
 * `bench:run` on the tiny preset, one backend, every engine: the script runs
 * end to end and prints a number in every cell it promises, so it cannot rot
 * between the (slow) runs on the Qwen-shaped sample.
 */
const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'bench-run.js');
const NUMBER = String.raw`\d+(?:\.\d+)?`;

function benchRun(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [SCRIPT, ...args], { timeout: 60_000 }, (error, out, err) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out, err }),
    );
  });
}

describe('bench:run (tiny preset)', function () {
  this.timeout(90_000);
  let dir: string;
  let run: { code: number; out: string; err: string };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-bench-run-'));
    run = await benchRun(['--preset', 'tiny', '--backend', 'portable', '--runs', '2', '--dir', dir]);
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and runs one backend only', () => {
    assert.equal(run.code, 0, run.err);
    assert.equal(run.out.match(/^=== LoRA sample tiny \((\w+), float32\)/gm)?.length, 1);
    assert.match(run.out, /^=== LoRA sample tiny \(portable, float32\)/m);
  });

  it('gives executorch, onnx and raw onnxruntime figures with ratios for each program', () => {
    for (const program of ['lora_a', 'lora_b', 'lora_c', 'base']) {
      const row = new RegExp(String.raw`^  ${program}\.pte(?:\s+${NUMBER}){5}(?:\s+${NUMBER}×){3}$`, 'm');
      assert.match(run.out, row, `executorch/onnx/raw row for ${program}`);
    }
  });

  it('reports the reference interpreter by default on the tiny preset', () => {
    assert.match(run.out, new RegExp(String.raw`^  lora_a\.pte(?:\s+${NUMBER}){7}\s+${NUMBER}\s+${NUMBER}$`, 'm'));
  });

  it('measures the runtime process and this one with 1 and 4 programs, with the ratio against its target', () => {
    for (const label of ['1 program', '4 programs']) {
      assert.match(run.out, new RegExp(String.raw`^  ${label}(?:\s+${NUMBER} MiB){6}$`, 'm'), label);
    }
    assert.match(
      run.out,
      new RegExp(
        String.raw`^  planned arenas \(non_const_buffer_sizes, allocated per loaded method\): ${NUMBER} MiB for 1 program, ${NUMBER} MiB for 4$`,
        'm',
      ),
    );
    assert.match(
      run.out,
      new RegExp(
        String.raw`^  4 ÷ 1: runtime peak ${NUMBER}× \(target ≤ 1\.15×: (meets|MISSES)\), runtime PSS ${NUMBER}×, sum of peaks ${NUMBER}×$`,
        'm',
      ),
    );
  });

  it('refuses a bad option value with its usage', async () => {
    const bad = await benchRun(['--backend', 'gpu', '--dir', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^usage: /);
  });
});

describe('processMemory', () => {
  it('reads the peak and current resident set of a live process', () => {
    const m = processMemory(process.pid);
    assert.ok(m, '/proc is readable here');
    assert.ok(m.peakMiB >= m.rssMiB && m.rssMiB > 1, JSON.stringify(m));
    assert.ok(
      Math.abs(m.anonMiB + m.fileMiB - m.rssMiB) < 1 && m.pssMiB > 1 && m.pssMiB <= m.rssMiB + 1,
      JSON.stringify(m),
    );
  });

  it('is null for a process that does not exist', () => {
    assert.equal(processMemory(2 ** 22 + 1), null);
  });
});
