import * as assert from 'node:assert/strict';
import { NativeMethod } from '../../runtime/exec/native/nativeMethod';
import { openProgram } from '../../runtime/exec/program/openProgram';
import { SharedData } from '../../runtime/exec/program/sharedData';
import { randomInputs } from '../../runtime/exec/randomInputs';
import { loadMethod } from '../../runtime/exec/runner';
import { MemorySource } from '../../runtime/format/byteSource';
import { decodeEtdump } from '../../runtime/format/etdump/decodeEtdump';
import { ETDump } from '../../runtime/format/etdump/etdumpTypes';
import { Program } from '../../runtime/format/pte/pteTypes';
import { formatTicks, instructionTsv, operatorTsv, profileOverlay } from '../../runtime/view/profileOverlay';
import { realFixture } from './fixtures';

/**
 * The profile overlay on real `.etdp` files: each made here by profiling a
 * real fixture on the executorch engine (ExecuTorch's runtime), then read
 * back with the ETDump decoder, as the editor reads the file written beside
 * the program.
 */

interface Profiled {
  program: Program;
  dump: ETDump;
}

describe('profile overlay (an ETDump over its program)', function () {
  this.timeout(120_000);
  let shared: SharedData;
  const profiled = new Map<string, Profiled>();

  before(() => {
    shared = new SharedData();
  });
  after(() => shared.close());

  async function profile(file: string, runs: number): Promise<Profiled> {
    const key = `${file}×${runs}`;
    const have = profiled.get(key);
    if (have) return have;
    const p = await openProgram(realFixture(file), { shared });
    const method = (await loadMethod(p, 0, { engine: 'executorch' })) as NativeMethod;
    try {
      const { etdump } = await method.profile(randomInputs(method.signature, 1), runs);
      const got = { program: p.program, dump: await decodeEtdump(new MemorySource(etdump.etdump, `${file}.etdp`)) };
      profiled.set(key, got);
      return got;
    } finally {
      await method.dispose();
    }
  }

  /** OPERATOR_CALL / DELEGATE_CALL ticks per flat instruction index, read straight from the events. */
  function rawTicks(dump: ETDump, program: Program): Map<number, number[]> {
    const starts: number[] = [];
    let n = 0;
    for (const c of program.methods[0].chains) {
      starts.push(n);
      n += c.instructions.length;
    }
    const out = new Map<number, number[]>();
    for (const run of dump.runs) {
      for (const e of run.events) {
        if (e.kind !== 'profile' || (e.name !== 'OPERATOR_CALL' && e.name !== 'DELEGATE_CALL')) continue;
        const at = starts[e.chainIndex] + e.instructionId;
        out.set(at, [...(out.get(at) ?? []), Number(e.endTime - e.startTime)]);
      }
    }
    return out;
  }

  it('times every kernel instruction of a portable program once per run, with totals and percentiles from the events', async () => {
    const { program, dump } = await profile('et-2025-12-softmax.pte', 4);
    const overlay = profileOverlay(program, dump);
    assert.deepEqual(overlay.notes, []);
    assert.equal(overlay.methods.length, 1);
    const m = overlay.methods[0];
    assert.equal(m.method, program.methods[0].name);
    assert.equal(m.runs, 4);
    assert.equal(m.execute?.count, 4);
    const flat = program.methods[0].chains.flatMap((c) => c.instructions);
    const calls = flat
      .map((ins, i) => ({ ins, i }))
      .filter(({ ins }) => ins.kind === 'kernel' || ins.kind === 'delegate');
    assert.ok(calls.length > 0);
    assert.deepEqual(
      m.instructions.map((r) => r.instruction),
      calls.map((c) => c.i),
      'one row per call instruction of the program',
    );
    const raw = rawTicks(dump, program);
    for (const r of m.instructions) {
      assert.equal(r.count, 4, `instruction ${r.instruction} timed once per run`);
      assert.equal(r.runs, 4);
      assert.equal(r.executor, 'portable');
      const ticks = raw.get(r.instruction)!.sort((a, b) => a - b);
      assert.equal(
        r.totalTicks,
        ticks.reduce((a, b) => a + b, 0),
      );
      // Nearest rank of four runs: p10 the smallest, p50 the second, p90 the largest.
      assert.deepEqual([r.p10Ticks, r.p50Ticks, r.p90Ticks], [ticks[0], ticks[1], ticks[3]]);
      assert.ok(r.share > 0 && r.share < 1, `share ${r.share}`);
    }
    const shares = m.instructions.reduce((a, r) => a + r.share, 0);
    assert.ok(shares <= 1, `instructions take ${shares} of Method::execute`);
    // The operator table covers the same events, grouped by the program's operator names.
    assert.equal(
      m.operators.reduce((a, o) => a + o.count, 0),
      4 * calls.length,
    );
    assert.equal(
      m.operators.reduce((a, o) => a + o.instructions, 0),
      calls.length,
    );
    const names = new Set(
      calls.map(({ ins }) => (ins.kind === 'kernel' ? program.methods[0].operators[ins.opIndex].qualifiedName : '')),
    );
    assert.deepEqual(new Set(m.operators.map((o) => o.operator)), names);
    assert.ok(m.operators.some((o) => /softmax/.test(o.operator)));
  });

  it('marks a delegate call as delegate and lists the events the delegate timed inside it', async () => {
    const { program, dump } = await profile('enr-quantized.pte', 3);
    const m = profileOverlay(program, dump).methods[0];
    assert.deepEqual(
      m.instructions.map((r) => [r.instruction, r.executor, r.count]),
      [[0, 'delegate', 3]],
    );
    assert.deepEqual(
      m.operators.map((o) => [o.operator, o.executor, o.count]),
      [[`delegate ${program.methods[0].delegates[0].backend}`, 'delegate', 3]],
    );
    assert.ok(m.delegateEvents.length > 0);
    for (const d of m.delegateEvents) {
      assert.equal(d.instruction, 0);
      assert.equal(d.count, 3);
      assert.ok(d.totalTicks <= m.instructions[0].totalTicks, `${d.event} fits in its delegate call`);
    }
    assert.ok(m.delegateEvents.some((d) => /Fully Connected/.test(d.event)));
  });

  it('converts ticks with the tick unit and exports TSV with one line per operator', async () => {
    const { program, dump } = await profile('et-2025-12-softmax.pte', 4);
    const ns = profileOverlay(program, dump);
    const us = profileOverlay(program, dump, { tickUnit: 'us' });
    const ticks = profileOverlay(program, dump, { tickUnit: 'ticks' });
    const tsv = operatorTsv(ns).trimEnd().split('\n');
    assert.equal(tsv[0].split('\t')[6], 'total_ms');
    assert.equal(tsv.length, 1 + ns.methods[0].operators.length);
    const first = ns.methods[0].operators[0];
    const row = tsv[1].split('\t');
    assert.equal(row[1], first.operator);
    assert.equal(row[2], 'portable');
    assert.equal(Number(row[4]), first.count);
    assert.ok(Math.abs(Number(row[6]) - first.totalTicks / 1e6) <= 1e-9 * first.totalTicks);
    const usRow = operatorTsv(us).split('\n')[1].split('\t');
    assert.ok(Math.abs(Number(usRow[6]) - first.totalTicks / 1e3) <= 1e-6 * first.totalTicks);
    const tickRow = operatorTsv(ticks).split('\n');
    assert.equal(tickRow[0].split('\t')[6], 'total_ticks');
    assert.equal(Number(tickRow[1].split('\t')[6]), first.totalTicks);
    assert.equal(instructionTsv(ns).trimEnd().split('\n').length, 1 + ns.methods[0].instructions.length);
    assert.equal(formatTicks(1500, 'ns'), '1.5 µs');
    assert.equal(formatTicks(1500, 'us'), '1.500 ms');
    assert.equal(formatTicks(1500, 'ticks'), '1500 ticks');
  });

  it('notes where the dump does not match the program', async () => {
    const softmax = await profile('et-2025-12-softmax.pte', 4);
    const quantized = await profile('enr-quantized.pte', 3);
    // A portable dump over a delegated program: its OPERATOR_CALLs land on a delegate call or beyond the instructions.
    const wrong = profileOverlay(quantized.program, softmax.dump);
    assert.ok(wrong.notes.length > 0);
    assert.ok(
      wrong.notes.some((n) =>
        /OPERATOR_CALL at instruction 0, which is delegate|names instruction \d+ of chain 0, which has 1/.test(n),
      ),
      wrong.notes.join('\n'),
    );
    const reverse = profileOverlay(softmax.program, quantized.dump);
    assert.ok(
      reverse.notes.some((n) => /DELEGATE_CALL at instruction 0/.test(n)),
      reverse.notes.join('\n'),
    );
    assert.ok(
      profileOverlay(softmax.program, softmax.dump, { method: 'nope' }).notes.some((n) => /no method nope/.test(n)),
    );
  });
});
