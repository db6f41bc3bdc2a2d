import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../../runtime/cli/main';
import { NativeMethod } from '../../runtime/exec/native/nativeMethod';
import { openProgram } from '../../runtime/exec/program/openProgram';
import { SharedData } from '../../runtime/exec/program/sharedData';
import { randomInputs } from '../../runtime/exec/randomInputs';
import { loadMethod } from '../../runtime/exec/runner';
import { withFile } from '../../runtime/format/byteSource';
import { decodeEtdump } from '../../runtime/format/etdump/decodeEtdump';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { realFixture } from './fixtures';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
  return { code, out, err };
}

interface OperatorJson {
  operator: string;
  executor: string;
  instructions: number;
  count: number;
  runs: number;
  totalTicks: number;
  p10Ticks: number;
  p50Ticks: number;
  p90Ticks: number;
  totalMs: number | null;
  share: number;
}

/** Nearest-rank percentile, written here again so the CLI's figures are checked against the events themselves. */
const rank = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)];
};

/**
 * `pte-explorer profile` on `.etdp` files made here by profiling real
 * fixtures on the executorch engine (ExecuTorch's runtime), checked against
 * the dump's own OPERATOR_CALL / DELEGATE_CALL events and the program's
 * operator table.
 */
describe('pte-explorer profile (an ETDump laid over its program)', function () {
  this.timeout(120_000);
  let dir: string;
  const shared = new SharedData();

  /** Copies a fixture into a temporary folder and writes `<name>.etdp` beside it from `runs` profiled runs. */
  async function profiled(fixture: string, runs: number): Promise<{ program: string; etdp: string }> {
    const program = path.join(dir, fixture);
    fs.copyFileSync(realFixture(fixture), program);
    const p = await openProgram(program, { shared });
    const method = (await loadMethod(p, 0, { engine: 'executorch' })) as NativeMethod;
    try {
      const { etdump } = await method.profile(randomInputs(method.signature, 1), runs);
      const etdp = program.replace(/\.pte$/, '.etdp');
      fs.writeFileSync(etdp, etdump.etdump);
      return { program, etdp };
    } finally {
      await method.dispose();
    }
  }

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-explorer-profile-cli-'));
  });
  after(() => {
    shared.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--json gives each operator of a portable program with count, total and p10/p50/p90 of the runs, as the events say', async () => {
    const { program, etdp } = await profiled('enr-multi.pte', 5);
    const { code, out, err } = await cli('profile', program, etdp, '--json');
    assert.equal(code, 0, err);
    const json = JSON.parse(out);
    assert.equal(json.matches, true);
    assert.deepEqual(json.notes, []);
    assert.equal(json.tickUnit, 'ns');
    const pte = await withFile(program, decodePte);
    const dump = await withFile(etdp, decodeEtdump);
    const method = pte.methods[0];
    const flat = method.chains.flatMap((c) => c.instructions);
    assert.equal(json.methods.length, 1);
    assert.equal(json.methods[0].method, method.name);
    assert.equal(json.methods[0].runs, 5);
    // Per run: each kernel instruction's OPERATOR_CALL ticks, and Method::execute.
    const perRun = new Map<string, number[]>();
    const execute: number[] = [];
    for (const r of dump.runs) {
      for (const e of r.events) {
        if (e.kind !== 'profile') continue;
        const ticks = Number(e.endTime - e.startTime);
        if (e.name === 'Method::execute') execute.push(ticks);
        if (e.name !== 'OPERATOR_CALL') continue;
        const ins = flat[e.instructionId];
        assert.equal(ins.kind, 'kernel');
        if (ins.kind !== 'kernel') continue;
        const op = method.operators[ins.opIndex].qualifiedName;
        perRun.set(op, [...(perRun.get(op) ?? []), ticks]);
      }
    }
    assert.equal(execute.length, 5);
    const executeTotal = execute.reduce((a, b) => a + b, 0);
    const operators: OperatorJson[] = json.methods[0].operators;
    assert.deepEqual(operators.map((o) => o.operator).sort(), method.operators.map((o) => o.qualifiedName).sort());
    for (const o of operators) {
      const ticks = perRun.get(o.operator)!;
      assert.equal(o.executor, 'portable');
      assert.equal(o.instructions, 1);
      assert.equal(o.count, 5);
      assert.equal(o.runs, 5);
      assert.equal(
        o.totalTicks,
        ticks.reduce((a, b) => a + b, 0),
      );
      assert.equal(o.p10Ticks, rank(ticks, 10));
      assert.equal(o.p50Ticks, rank(ticks, 50));
      assert.equal(o.p90Ticks, rank(ticks, 90));
      assert.equal(o.totalMs, o.totalTicks / 1e6);
      assert.ok(Math.abs(o.share - o.totalTicks / executeTotal) < 1e-12);
    }
    // Slowest first.
    for (let i = 1; i < operators.length; i++) assert.ok(operators[i - 1].totalTicks >= operators[i].totalTicks);

    // The same table as text, and <program>.etdp beside the program is the default dump.
    const text = await cli('profile', program);
    assert.equal(text.code, 0, text.err);
    const lines = text.out.split('\n');
    assert.match(lines[0], /enr-multi\.etdp over .*enr-multi\.pte: times per run \(one tick = 1 ns\)/);
    assert.match(lines[1], new RegExp(`^method ${method.name}: 5 runs, Method::execute p50 `));
    assert.match(lines[2], /^ {2}operator +runs on +instructions +count +total +p10 +p50 +p90 +share$/);
    for (const o of operators)
      assert.ok(
        lines.some((l) =>
          new RegExp(`^  ${o.operator.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +portable +1 +5 `).test(l),
        ),
        `${o.operator} in\n${text.out}`,
      );
    assert.doesNotMatch(text.out, /does not match/);
  });

  it('marks an XNNPACK delegate call as delegate, and raw ticks have no milliseconds', async () => {
    const { program, etdp } = await profiled('enr-quantized.pte', 3);
    const { code, out, err } = await cli('profile', program, etdp, '--json', '--tick-unit', 'ticks', '--instructions');
    assert.equal(code, 0, err);
    const json = JSON.parse(out);
    const pte = await withFile(program, decodePte);
    const delegates = pte.methods[0].chains.flatMap((c) => c.instructions).filter((i) => i.kind === 'delegate').length;
    const delegate: OperatorJson = json.methods[0].operators.find((o: OperatorJson) => o.executor === 'delegate');
    assert.equal(delegate.operator, 'delegate XnnpackBackend');
    assert.equal(delegate.instructions, delegates);
    assert.equal(delegate.count, 3 * delegates);
    assert.equal(delegate.totalMs, null);
    assert.equal(json.tickUnit, 'ticks');
    const calls = json.methods[0].instructions.filter((r: { executor: string }) => r.executor === 'delegate');
    assert.equal(calls.length, delegates);
  });

  it('exits 1 with the notes when the dump was made from another program', async () => {
    const softmax = await profiled('et-2025-12-softmax.pte', 2);
    const quantized = path.join(dir, 'enr-quantized.pte');
    if (!fs.existsSync(quantized)) fs.copyFileSync(realFixture('enr-quantized.pte'), quantized);
    const json = await cli('profile', quantized, softmax.etdp, '--json');
    assert.equal(json.code, 1);
    const parsed = JSON.parse(json.out);
    assert.equal(parsed.matches, false);
    assert.ok(parsed.notes.length > 0);
    const text = await cli('profile', quantized, softmax.etdp);
    assert.equal(text.code, 1);
    assert.match(text.out, /the dump does not match the program \(\d+ notes?\):\n {2}\S/);
    for (const n of parsed.notes) assert.ok(text.out.includes(`  ${n}`));
  });

  it('answers bad input with one line and exit 2', async () => {
    const program = realFixture('enr-multi.pte');
    const notDump = await cli('profile', program, realFixture('et-2025-02-linear.ptd'));
    assert.equal(notDump.code, 2);
    assert.match(notDump.err, /et-2025-02-linear\.ptd: /);
    assert.equal(notDump.err.trim().split('\n').length, 1);
    const missing = await cli('profile', path.join(dir, 'nowhere.pte'));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nowhere\.pte: cannot open \(ENOENT\)/);
    const unit = await cli('profile', program, '--tick-unit', 'parsecs');
    assert.equal(unit.code, 2);
    assert.match(unit.err, /--tick-unit is one of ns, us, ms, ticks/);
    const method = await cli('profile', program, '--method', 'nope');
    assert.equal(method.code, 2);
    assert.match(method.err, /has no method 'nope'/);
  });
});
