import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildQwenShapedProgram } from '../../scripts/bench/qwenShapedProgram';
import { REPO_ROOT } from '../../scripts/vscode/harness';
import { programFacts, xnnpackNodeCount } from '../unit/programFacts';
import { packagedVsix, Workbench } from './workbench';

const FIXTURES = process.env.PTE_EXPLORER_FIXTURES ?? path.resolve(REPO_ROOT, '../shared/fixtures/real');
/** Two values of this program share mem_id 1, offset 16 (input %1 and the bool %7). */
const ALIASED = 'et-2024-03-module-model.pte';

describe('Memory and Graph tabs of the program editor, in VS Code in a browser', function () {
  this.timeout(120_000);
  let bench: Workbench;
  let ws: string;

  before(async function () {
    this.timeout(240_000);
    // The Explorer helper looks for a folder named `workspace`.
    ws = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pte-explorer-memory-ws-')), 'workspace');
    fs.mkdirSync(ws);
    for (const f of [ALIASED, 'djl-spike-conv.pte']) fs.copyFileSync(path.join(FIXTURES, f), path.join(ws, f));
    fs.writeFileSync(path.join(ws, 'qwen3-shaped.pte'), buildQwenShapedProgram());
    bench = await Workbench.start(ws, packagedVsix());
  });

  after(async () => {
    if (bench) await bench.close();
    if (ws) fs.rmSync(path.dirname(ws), { recursive: true, force: true });
  });

  it('draws every planned tensor of a real program as a bar, with the alias marked', async () => {
    const view = await bench.openFromExplorer(ALIASED, `h1:text("${ALIASED}")`);
    await view.locator('vscode-tab-header[data-tab="memory"]').click();
    const panel = view.locator('vscode-tab-panel[data-panel="memory"]');
    await panel.locator('.memory-bar').first().waitFor();
    const facts = programFacts(path.join(FIXTURES, ALIASED))[0];
    const planned = [...facts.tensors.values()].filter((t) => t.memoryId !== null);
    assert.equal(await panel.locator('.memory-bar').count(), planned.length);
    const summary = await panel.locator('.memory-summary').innerText();
    assert.match(summary, new RegExp(`Arena ${facts.arenaSizes[1]} B`));
    assert.match(summary, /1 alias group\b/);
    // The two values at offset 16 are the alias: their bars are marked, the others are not.
    const atSixteen = planned
      .filter((t) => t.offset === 16)
      .map((t) => t.value)
      .sort();
    const marked = (
      await panel
        .locator('.memory-bar.alias')
        .evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))))
    ).sort();
    assert.deepEqual(marked, atSixteen);
    // Hovering a bar describes it.
    await panel.locator(`.memory-bar[data-value="${atSixteen[1]}"]`).hover();
    assert.match(
      await panel.locator('.memory-detail').innerText(),
      new RegExp(`%${atSixteen[1]} [\\s\\S]*offset 16[\\s\\S]*alias: reused place`),
    );
    await bench.screenshot('memory-tab-alias');
  });

  it('the chart is used with the keyboard alone: arrows select tensors, Enter opens the value row', async () => {
    const view = bench.webview();
    const panel = view.locator('vscode-tab-panel[data-panel="memory"]');
    await panel.locator('.memory-chart-frame').focus();
    await bench.page.keyboard.press('Home');
    const first = await panel.locator('.memory-detail').innerText();
    await bench.page.keyboard.press('ArrowRight');
    const second = await panel.locator('.memory-detail').innerText();
    assert.notEqual(first, second);
    assert.equal(await panel.locator('.memory-bar.selected').count(), 1);
    const value = await panel.locator('.memory-bar.selected').getAttribute('data-value');
    // The table row follows the chart.
    assert.match(await panel.locator('.vt-row[aria-selected="true"]').first().innerText(), new RegExp(`^${value}\\b`));
    await bench.screenshot('memory-tab-keyboard');
    await bench.page.keyboard.press('Enter');
    const values = view.locator('vscode-tab-panel[data-panel="values"]');
    await values.locator('.vt-row[aria-selected="true"]').first().waitFor();
    assert.match(await values.locator('.vt-row[aria-selected="true"]').first().innerText(), new RegExp(`^${value}\\b`));
  });

  it('graph of a real XNNPACK program: the delegate opens into its operators, by keyboard alone', async () => {
    const facts = programFacts(path.join(FIXTURES, 'djl-spike-conv.pte'))[0];
    const view = await bench.openFromExplorer('djl-spike-conv.pte', 'h1:text("djl-spike-conv.pte")');
    await view.locator('vscode-tab-header[data-tab="graph"]').click();
    const panel = view.locator('vscode-tab-panel[data-panel="graph"]');
    await panel.locator('.graph-panel[data-laid-out]').waitFor({ timeout: 60_000 });
    assert.match(await panel.locator('.graph-status').innerText(), /1 instructions, 3 nodes/);
    await panel.locator('.graph-stage').focus();
    await bench.page.keyboard.press('Home');
    assert.match(await panel.locator('.graph-detail-text').innerText(), /^input 0/);
    await bench.page.keyboard.press('ArrowRight');
    assert.match(await panel.locator('.graph-detail-text').innerText(), /^#0 XnnpackBackend .*XNNPACK, \d+ operators/);
    const laidOut = await panel.locator('.graph-panel').getAttribute('data-laid-out');
    await bench.page.keyboard.press('Enter');
    await panel.locator(`.graph-panel:not([data-laid-out="${laidOut}"])`).waitFor();
    // The delegate is open: walking down goes through its operators.
    const seen: string[] = [];
    for (let i = 0; i < xnnpackNodeCount(facts.payloads[0]!); i++) {
      await bench.page.keyboard.press('ArrowDown');
      seen.push(await panel.locator('.graph-detail-text').innerText());
    }
    assert.deepEqual(
      seen.map((t) => t.replace(/^#0 /, '').split(' ')[0]),
      ['StaticTranspose', 'Conv2d', 'StaticTranspose'],
    );
    await bench.screenshot('graph-xnnpack-delegate-open');
    // Space shows the instruction's row.
    await bench.page.keyboard.press('Space');
    await view.locator('vscode-tab-panel[data-panel="instructions"] .vt-row[aria-selected="true"]').waitFor();
  });

  it('graph of the Qwen3-0.6B-shaped program: 28 decoder layers start closed, search and open one', async () => {
    const view = await bench.openFromExplorer('qwen3-shaped.pte', 'h1:text("qwen3-shaped.pte")');
    await view.locator('vscode-tab-header[data-tab="graph"]').click();
    const panel = view.locator('vscode-tab-panel[data-panel="graph"]');
    await panel.locator('.graph-panel[data-laid-out]').waitFor({ timeout: 90_000 });
    assert.match(await panel.locator('.graph-status').innerText(), /28 repeated blocks \(from weight names\)/);
    await bench.screenshot('graph-qwen-layers-closed');
    await panel.locator('.graph-stage').focus();
    await bench.page.keyboard.press('/');
    await bench.page.keyboard.type('layers.3');
    await panel.locator('.graph-status', { hasText: /match/ }).waitFor();
    assert.match(await panel.locator('.graph-detail-text').innerText(), /^layers\.3: \d+ nodes, closed/);
    const laidOut = await panel.locator('.graph-panel').getAttribute('data-laid-out');
    await panel.locator('.graph-stage').focus();
    await bench.page.keyboard.press('Enter');
    await panel.locator(`.graph-panel:not([data-laid-out="${laidOut}"])`).waitFor({ timeout: 90_000 });
    assert.match(await panel.locator('.graph-detail-text').innerText(), /^#\d+ aten::/);
    await bench.screenshot('graph-qwen-layer-open');
  });

  it("the graph's layout worker runs under the page's content security policy, without errors", () => {
    assert.deepEqual(bench.cspViolations, []);
    assert.deepEqual(bench.consoleErrors, []);
  });
});
