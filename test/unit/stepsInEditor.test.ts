import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  LastRuns,
  MAX_PROGRAMS,
  MAX_SUMMARY_CHARS,
  hasNonFinite,
  instructionSummary,
} from '../../runtime/view/run/lastRuns';
import { MethodRunner } from '../../runtime/exec/methodRunner';
import { buildInputs } from '../../runtime/exec/inputs/buildInputs';
import { stepViews } from '../../runtime/view/run/runReport';
import { instructionPage, withStepSummaries } from '../../runtime/view/rows';
import { parseEditorMessage } from '../../runtime/protocol/editorMessages';
import { ProtocolError } from '../../runtime/protocol/validate';
import { StepView } from '../../runtime/protocol/runViewMessages';
import { realFixture } from './fixtures';

const step = (instruction: number, ...summaries: string[]): StepView => ({
  instruction,
  text: `op${instruction}`,
  writes: summaries.map((summary, i) => ({ valueIndex: 10 + i, summary })),
});
const recorded = (method: number, steps: StepView[]) => ({
  method,
  methodName: `m${method}`,
  ranAt: '2026-11-25T16:00:00.000Z',
  engine: 'onnx',
  steps,
});

/**
 * What the program editor's instruction list shows after a run with
 * intermediates: the host's store of each method's last run, merged into
 * the instruction rows it pages to the webview.
 */
describe('steps in the editor', () => {
  it("summarises an instruction's writes: one alone, several by value index, capped, NaN/Inf flagged", () => {
    assert.equal(
      instructionSummary(step(0, 'float32[2]  min 1  max 2  mean 1.5').writes),
      'float32[2]  min 1  max 2  mean 1.5',
    );
    assert.equal(
      instructionSummary(step(0, 'int 3', 'float32[1]  min 0  max 0  mean 0').writes),
      '%10: int 3; %11: float32[1]  min 0  max 0  mean 0',
    );
    const long = instructionSummary(
      step(0, ...new Array(40).fill('float32[4096, 4096]  min -1  max 1  mean 0')).writes,
    );
    assert.equal(long.length, MAX_SUMMARY_CHARS);
    assert.ok(long.endsWith('…'));
    assert.equal(hasNonFinite(step(0, 'float32[4]  min 0  max 1  mean 0.5  NaN 2').writes), true);
    assert.equal(hasNonFinite(step(0, 'float32[4]  min 0  max inf  mean inf  Inf 1').writes), true);
    assert.equal(hasNonFinite(step(0, 'float32[4]  min 0  max 1  mean 0.5', 'string "NaN"').writes), false);
  });

  it("keeps each program's methods' last runs, tells listeners, clears by method or program, and forgets the least recently run program", () => {
    const runs = new LastRuns();
    const heard: string[] = [];
    const sub = runs.onDidChange((uri, m) => heard.push(`${uri}#${m}`));
    runs.record('file:///a.pte', recorded(0, [step(0, 'x'), step(1), step(2, 'y')]));
    runs.record('file:///a.pte', recorded(1, [step(0, 'z')]));
    assert.deepEqual(heard, ['file:///a.pte#0', 'file:///a.pte#1']);
    const a0 = runs.get('file:///a.pte', 0)!;
    assert.equal(a0.view.steps, 2, 'an instruction that wrote nothing gets no summary');
    assert.deepEqual([...a0.summaries.keys()], [0, 2]);
    runs.clear('file:///a.pte', 0);
    assert.equal(runs.get('file:///a.pte', 0), undefined);
    assert.ok(runs.get('file:///a.pte', 1));
    runs.clear('file:///a.pte');
    assert.equal(runs.get('file:///a.pte', 1), undefined);
    assert.deepEqual(heard.slice(2), ['file:///a.pte#0', 'file:///a.pte#1']);
    runs.clear('file:///never.pte');
    assert.equal(heard.length, 4, 'clearing nothing tells nobody');
    sub.dispose();
    for (let i = 0; i <= MAX_PROGRAMS; i++) runs.record(`file:///p${i}.pte`, recorded(0, [step(0, 'x')]));
    assert.equal(runs.get('file:///p0.pte', 0), undefined, 'the oldest program is forgotten');
    assert.ok(runs.get(`file:///p${MAX_PROGRAMS}.pte`, 0));
    assert.equal(heard.length, 4, 'a disposed listener hears nothing');
  });

  it("accepts the editor's Run Method… and Clear commands from the webview, and nothing it does not know", () => {
    for (const command of ['runMethod', 'clearLastRun', 'exportProfileTsv'] as const) {
      assert.deepEqual(
        parseEditorMessage({
          id: 1,
          body: { type: 'command', command, key: null, index: command === 'clearLastRun' ? 0 : null, extra: 1 },
        }).body,
        { type: 'command', command, key: null, index: command === 'clearLastRun' ? 0 : null },
      );
    }
    assert.throws(
      () => parseEditorMessage({ id: 1, body: { type: 'command', command: 'runMethodNow', key: null, index: null } }),
      ProtocolError,
    );
    assert.throws(
      () => parseEditorMessage({ id: 1, body: { type: 'lastRun', method: 0, run: null } }),
      ProtocolError,
      'a host event is not a webview message',
    );
  });

  describe('a real run with intermediates (rs-data-map on its .ptd: [1,2,3,4] → [5,8,11,14])', function () {
    this.timeout(60_000);
    let runner: MethodRunner;
    let tmp: string;
    before(() => {
      runner = new MethodRunner();
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'steps-in-editor-'));
    });
    after(async () => {
      await runner.dispose();
      fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("puts what each instruction wrote into its instruction row; the instruction writing the output shows the output's statistics", async () => {
      const json = path.join(tmp, 'inputs.json');
      fs.writeFileSync(json, JSON.stringify([{ dtype: 'float32', shape: [2, 2], values: [1, 2, 3, 4] }]));
      const program = await runner.open(realFixture('rs-data-map-model.pte'), [
        realFixture('rs-data-map-_default_external_constant.ptd'),
      ]);
      const methodIndex = runner.signatures(program).findIndex((s) => s.name === 'forward');
      const inputs = await buildInputs({ kind: 'json', file: json }, runner.signatures(program)[methodIndex], program);
      const outcome = await runner.run({
        program,
        methodIndex,
        engine: 'onnx',
        inputs: inputs.values,
        steadyRuns: 0,
        steps: true,
      });
      assert.ok(outcome.steps && outcome.steps.length > 0);

      const runs = new LastRuns();
      const uri = 'file:///rs-data-map-model.pte';
      runs.record(uri, {
        method: methodIndex,
        methodName: 'forward',
        ranAt: new Date().toISOString(),
        engine: 'onnx',
        steps: stepViews(outcome.steps),
      });
      const method = program.program.methods[methodIndex];
      const page = withStepSummaries(instructionPage(method, 0, 100), runs.get(uri, methodIndex)!.summaries);
      assert.equal(page.rows.length, method.chains[0].instructions.length);

      // Independently: the output is [5, 8, 11, 14] (golden.json): min 5, max 14, mean 9.5.
      const output = method.outputs[0];
      const writer = [...outcome.steps].reverse().find((s) => s.writes.some((w) => w.valueIndex === output));
      assert.ok(writer, `an instruction writes the output %${output}`);
      assert.equal(page.rows[writer.instruction].lastRun, 'float32[2, 2]  min 5  max 14  mean 9.5');
      assert.equal(page.rows[writer.instruction].lastRunNonFinite, false);
      const wrote = new Set(outcome.steps.filter((s) => s.writes.length).map((s) => s.instruction));
      for (const r of page.rows) assert.equal(r.lastRun !== undefined, wrote.has(r.index), `row ${r.index}`);

      // Float32 overflow: 3 · 3e38 is +Inf, and the row says so.
      fs.writeFileSync(json, JSON.stringify([{ dtype: 'float32', shape: [2, 2], values: [3e38, 1, 2, 3] }]));
      const overflow = await runner.run({
        program,
        methodIndex,
        engine: 'onnx',
        inputs: (await buildInputs({ kind: 'json', file: json }, runner.signatures(program)[methodIndex], program))
          .values,
        steadyRuns: 0,
        steps: true,
      });
      runs.record(uri, {
        method: methodIndex,
        methodName: 'forward',
        ranAt: new Date().toISOString(),
        engine: 'onnx',
        steps: stepViews(overflow.steps!),
      });
      const flagged = withStepSummaries(instructionPage(method, 0, 100), runs.get(uri, methodIndex)!.summaries);
      assert.equal(flagged.rows[writer.instruction].lastRunNonFinite, true);
      // The statistics are of the finite elements, 3·[1, 2, 3] + 2; the infinite one is counted.
      assert.equal(flagged.rows[writer.instruction].lastRun, 'float32[2, 2]  min 5  max 11  mean 8  Inf 1');

      const filtered = withStepSummaries(
        instructionPage(method, 0, 100, 'no such operator'),
        runs.get(uri, methodIndex)!.summaries,
      );
      assert.equal(filtered.rows.length, 0);
    });
  });
});
