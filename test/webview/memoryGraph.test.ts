import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../../scripts/vscode/harness';
import { programFacts } from '../unit/programFacts';
import { packagedVsix, Workbench } from './workbench';

const FIXTURES = process.env.PTE_EXPLORER_FIXTURES ?? path.resolve(REPO_ROOT, '../shared/fixtures/real');
/** Two values of this program share mem_id 1, offset 16 (input %1 and the bool %7). */
const ALIASED = 'et-2024-03-module-model.pte';

describe('Memory tab of the program editor, in VS Code in a browser', function () {
  this.timeout(120_000);
  let bench: Workbench;
  let ws: string;

  before(async function () {
    this.timeout(240_000);
    // The Explorer helper looks for a folder named `workspace`.
    ws = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pte-explorer-memory-ws-')), 'workspace');
    fs.mkdirSync(ws);
    for (const f of [ALIASED, 'djl-spike-conv.pte']) fs.copyFileSync(path.join(FIXTURES, f), path.join(ws, f));
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
    const atSixteen = planned.filter((t) => t.offset === 16).map((t) => t.value).sort();
    const marked = (await panel.locator('.memory-bar.alias').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value'))))).sort();
    assert.deepEqual(marked, atSixteen);
    // Hovering a bar describes it.
    await panel.locator(`.memory-bar[data-value="${atSixteen[1]}"]`).hover();
    assert.match(await panel.locator('.memory-detail').innerText(), new RegExp(`%${atSixteen[1]} [\\s\\S]*offset 16[\\s\\S]*alias: reused place`));
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
});
