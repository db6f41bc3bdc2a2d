import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FrameLocator } from 'playwright-core';
import { REPO_ROOT } from '../../scripts/vscode/harness';
import { packagedVsix, Workbench } from './workbench';

const FIXTURES = process.env.PTE_EXPLORER_FIXTURES ?? path.resolve(REPO_ROOT, '../shared/fixtures/real');

function makeWorkspace(root: string): string {
  const ws = path.join(root, 'workspace');
  fs.mkdirSync(path.join(ws, 'models'), { recursive: true });
  const copies: Record<string, string> = {
    'data-map.pte': 'rs-data-map-model.pte',
    'data-map.ptd': 'rs-data-map-_default_external_constant.ptd',
    'softmax.pte': 'et-2025-12-softmax.pte',
    'stories-qnn.pte': 'et-2026-qnn-stories260k.pte',
    'bundled.bpte': 'et-2026-08-bundled-program.bpte',
  };
  for (const [to, from] of Object.entries(copies))
    fs.copyFileSync(path.join(FIXTURES, from), path.join(ws, 'models', to));
  // The run view's look, on onnx (the executorch engine has its own tests in test/integration/nativeRun.test.ts).
  fs.mkdirSync(path.join(ws, '.vscode'));
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'pteExplorer.run.engine': 'onnx' }));
  return ws;
}

describe('Run Method… in VS Code in a browser', function () {
  this.timeout(120_000);
  let bench: Workbench;
  let ws: string;

  before(async function () {
    this.timeout(240_000);
    const vsix = packagedVsix();
    ws = makeWorkspace(fs.mkdtempSync(path.join(os.tmpdir(), 'pte-explorer-run-ws-')));
    bench = await Workbench.start(ws, vsix);
  });

  after(async () => {
    if (bench) await bench.close();
    if (ws) fs.rmSync(path.dirname(ws), { recursive: true, force: true });
  });

  /** The run view's frame: of the visible webviews, the one showing a run. */
  async function runView(ready = '.run-header'): Promise<FrameLocator> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const frames = bench.page.locator('iframe.webview.ready').filter({ visible: true });
      for (let i = 0; i < (await frames.count()); i++) {
        const frame = frames.nth(i).contentFrame().locator('#active-frame').contentFrame();
        if (
          await frame
            .locator(ready)
            .count()
            .catch(() => 0)
        )
          return frame;
      }
      if (Date.now() > deadline) throw new Error(`no run view showing ${ready}`);
      await bench.page.waitForTimeout(200);
    }
  }

  /** Runs the command; `picker` is the placeholder of the first picker it should show. */
  async function runMethod(picker = 'How to make the inputs'): Promise<void> {
    await bench.command('PTE Explorer: Run Method…');
    await bench.page.locator(`.quick-input-widget input[placeholder="${picker}"]`).waitFor();
  }

  it('runs a program on its .ptd with Ones and shows its output as a table, with timings', async () => {
    await bench.openFromExplorer('models/data-map.pte', 'h1:text("data-map.pte")');
    await runMethod();
    assert.ok(await bench.pick(/^Ones/), 'the inputs picker offers Ones');
    const view = await runView('.outputs table.values');
    // rs-data-map computes 3·x + 2 from its .ptd weights (golden.json: [1,2,3,4] → [5,8,11,14]); ones give 5s.
    const cells = await view.locator('.outputs table.values td').allInnerTexts();
    assert.deepEqual(cells, ['5', '5', '5', '5']);
    const header = await view.locator('.run-header').innerText();
    assert.match(header, /data-map\.ptd/);
    assert.match(header, /onnxruntime-node/);
    assert.match(header, /ones/);
    const timing = await view.locator('.timing').innerText();
    assert.match(timing, /Load\s+[\d.]+ (ms|µs)/);
    assert.match(timing, /Steady state\s+[\d.]+ (ms|µs) \(median of 5 runs\)/);
    await bench.screenshot('run-01-table');
  });

  it('shows a large 2-D output as statistics, a histogram and a heat map (softmax, random inputs with seed 0)', async () => {
    await bench.command('View: Close All Editors');
    await bench.openFromExplorer('models/softmax.pte', 'h1:text("softmax.pte")');
    await runMethod();
    assert.ok(await bench.pick(/^Random/), 'the inputs picker offers Random');
    const seed = bench.page.locator('.quick-input-widget input[placeholder^="A seed"]');
    await seed.waitFor();
    assert.equal(await seed.inputValue(), '0');
    await bench.page.keyboard.press('Enter');
    const view = await runView('.outputs canvas.heatmap');
    const output = view.locator('.outputs .value').first();
    assert.match(await output.locator('h3').innerText(), /float32\[2, 4096\]/);
    assert.equal(await output.locator('.histogram rect').count(), 32);
    const stats = await output.locator('dl.facts').innerText();
    // Softmax rows sum to 1: the mean of 2·4096 probabilities is 1/4096.
    const mean = Number(/mean\s+(\S+)/.exec(stats)![1]);
    assert.ok(Math.abs(mean - 1 / 4096) < 1e-7, `mean ${mean}`);
    assert.match(stats, /NaN\s+0/);
    const canvas = output.locator('canvas.heatmap');
    assert.equal(await canvas.getAttribute('width'), '256');
    assert.equal(await canvas.getAttribute('height'), '2');
    // The heat map is painted: its pixels are not all one colour.
    const distinct = await canvas.evaluate((c) => {
      const canvasEl = c as unknown as {
        getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
        width: number;
        height: number;
      };
      const d = canvasEl.getContext('2d').getImageData(0, 0, canvasEl.width, canvasEl.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < d.length; i += 4) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return colours.size;
    });
    assert.ok(distinct > 10, `${distinct} colours in the heat map`);
    await output.scrollIntoViewIfNeeded();
    await bench.screenshot('run-02-heatmap-histogram');
  });

  it('runs again with intermediates and lists what every instruction wrote', async () => {
    const view = await runView();
    await view.locator('vscode-checkbox').click();
    await view.locator('vscode-button', { hasText: 'Run Again' }).click();
    const steps = view.locator('ol.steps li');
    await steps.first().waitFor({ timeout: 60_000 });
    assert.ok((await steps.count()) >= 1);
    assert.match(await steps.first().innerText(), /softmax/);
    await steps.first().scrollIntoViewIfNeeded();
    assert.match(await steps.first().innerText(), /%1 = float32\[2, 4096\]\s+min \S+\s+max \S+\s+mean \S+/);
    await bench.page.locator('.notification-toast', { hasText: 'Running forward' }).waitFor({ state: 'hidden' });
    await bench.screenshot('run-03-intermediates');
    // Enter on a step shows its instruction in the program editor.
    await steps.first().focus();
    await bench.page.keyboard.press('Enter');
    const editor = await runView('vscode-tab-panel[data-panel="instructions"] .vt-row.selected');
    assert.equal(
      await editor.locator('vscode-tab-panel[data-panel="instructions"] .vt-row.selected .vt-cell').first().innerText(),
      '0',
    );
  });

  it("runs from the program editor's Run Method… button and, with intermediates, shows what each instruction wrote in its Instructions tab", async () => {
    await bench.command('View: Close All Editors');
    await bench.openFromExplorer('models/data-map.pte', 'h1:text("data-map.pte")');
    const editor = await runView('h1:text("data-map.pte")');
    const run = editor.locator('vscode-button', { hasText: 'Run Method…' });
    await run.waitFor();
    assert.equal(await run.getAttribute('icon'), 'play');
    await bench.screenshot('run-08-overview-run-button');
    await run.click();
    await bench.page.locator('.quick-input-widget input[placeholder="How to make the inputs"]').waitFor();
    assert.ok(await bench.pick(/^Ones/), 'the inputs picker offers Ones');
    const view = await runView('.outputs table.values');
    await view.locator('vscode-checkbox').click();
    await view.locator('vscode-button', { hasText: 'Run Again' }).click();
    await view.locator('ol.steps li').first().waitFor({ timeout: 60_000 });
    await bench.page.locator('.notification-toast', { hasText: 'Running forward' }).waitFor({ state: 'hidden' });

    await editor.locator('vscode-tab-header[data-tab="instructions"]').click();
    const panel = editor.locator('vscode-tab-panel[data-panel="instructions"]');
    const note = panel.locator('.last-run-note:not(.profile-note)');
    await note.waitFor({ timeout: 30_000 });
    assert.match(await note.innerText(), /Values from the run of forward at .+ · Clear/);
    assert.deepEqual(await panel.locator('.vt-header .vt-head').allInnerTexts(), [
      '#',
      'Calls',
      'Arguments',
      'Last run',
    ]);
    const rows = panel.locator('.vt-row');
    await rows.nth(1).locator('.last-run').waitFor();
    // rs-data-map is mul then add (3·x + 2, golden.json): ones → 3 → 5 in every element.
    assert.equal(await rows.nth(0).locator('.last-run').textContent(), 'float32[2, 2]  min 3  max 3  mean 3');
    assert.equal(await rows.nth(1).locator('.last-run').textContent(), 'float32[2, 2]  min 5  max 5  mean 5');
    assert.equal(await panel.locator('.last-run.non-finite').count(), 0);
    // Room for the column beside the run view: the Side Bar hides for the picture.
    await bench.command('View: Toggle Primary Side Bar Visibility');
    await bench.page.waitForTimeout(400);
    await bench.screenshot('run-07-intermediates-in-editor');
    await bench.command('View: Toggle Primary Side Bar Visibility');

    // The graph shows the same values on its nodes.
    await editor.locator('vscode-tab-header[data-tab="graph"]').click();
    const graph = editor.locator('vscode-tab-panel[data-panel="graph"]');
    await graph.locator('.graph-panel[data-laid-out]').waitFor({ timeout: 60_000 });
    await graph.locator('.graph-stage').focus();
    await bench.page.keyboard.press('/');
    await bench.page.keyboard.type('aten::mul');
    await graph.locator('.graph-detail-text', { hasText: /^#0 / }).waitFor();
    assert.match(
      await graph.locator('.graph-detail-text').innerText(),
      /last run: float32\[2, 2\]\s+min 3\s+max 3\s+mean 3/,
    );
    await bench.screenshot('graph-last-run-values');
    await editor.locator('vscode-tab-header[data-tab="instructions"]').click();

    // Clear hides the column again.
    await note.locator('a', { hasText: 'Clear' }).click();
    await note.waitFor({ state: 'hidden' });
    assert.deepEqual(await panel.locator('.vt-header .vt-head').allInnerTexts(), ['#', 'Calls', 'Arguments']);
  });

  it('runs a bundled test case of a .bpte and says it matches the expected outputs', async () => {
    await bench.command('View: Close All Editors');
    await bench.openFromExplorer('models/bundled.bpte', 'h1:text("bundled.bpte")');
    await runMethod();
    assert.ok(await bench.pick(/^Bundled test case 1(?!\d)/), 'the inputs picker offers the bundled test cases');
    const view = await runView('.expected');
    assert.match(await view.locator('.expected').innerText(), /Matches the bundled expected outputs/);
    // Test case 1: x = q = 0 in int32[2, 2] → 3·x + 2 + q = 2 (golden.json)
    assert.deepEqual(await view.locator('.outputs table.values td').allInnerTexts(), ['2', '2', '2', '2']);
    await bench.page.locator('.notification-toast', { hasText: 'Running forward' }).waitFor({ state: 'hidden' });
    await bench.screenshot('run-06-bundled-test-case');
  });

  it('names the missing backend before running a QNN program', async () => {
    await bench.command('View: Close All Editors');
    await bench.openFromExplorer('models/stories-qnn.pte', 'h1:text("stories-qnn.pte")');
    await runMethod('Method to run');
    assert.ok(await bench.pick(/^kv_forward/), 'the method picker lists kv_forward');
    const toast = bench.page.locator('.notification-toast', { hasText: 'Cannot run kv_forward of stories-qnn.pte' });
    await toast.waitFor({ timeout: 30_000 });
    assert.match(await toast.innerText(), /missing backend QnnBackend at kv_forward#0/);
    await bench.page.waitForTimeout(600); // the toast slides in
    await bench.screenshot('run-04-unsupported-program');
    await bench.page.keyboard.press('Escape');
  });

  it("paints the heat map with the dark theme's colours", async () => {
    await bench.command('Notifications: Clear All Notifications');
    await bench.command('View: Close All Editors');
    await bench.command('Preferences: Color Theme');
    await bench.page.locator('.quick-input-widget input[placeholder^="Select Color Theme"]').waitFor();
    await bench.page.keyboard.type('Dark Modern');
    assert.ok(await bench.pick(/Dark Modern$/), 'the theme picker offers Dark Modern');
    await bench.openFromExplorer('models/softmax.pte', 'h1:text("softmax.pte")');
    await runMethod();
    assert.ok(await bench.pick(/^Random/));
    await bench.page.locator('.quick-input-widget input[placeholder^="A seed"]').waitFor();
    await bench.page.keyboard.press('Enter');
    const view = await runView('.outputs canvas.heatmap');
    type Styles = { getComputedStyle(e: unknown): { backgroundColor: string } };
    const background = await view
      .locator('body')
      .evaluate((b) => (globalThis as unknown as Styles).getComputedStyle(b).backgroundColor);
    const [r, g, b] = background.match(/\d+/g)!.map(Number);
    assert.ok(r + g + b < 150, `the run view follows the theme (${background})`);
    // The ramp starts at the editor background: the heat map's darkest cell is dark too.
    const darkest = await view.locator('.outputs canvas.heatmap').evaluate((c) => {
      const canvasEl = c as unknown as {
        getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
        width: number;
        height: number;
      };
      const d = canvasEl.getContext('2d').getImageData(0, 0, canvasEl.width, canvasEl.height).data;
      let least = Infinity;
      for (let i = 0; i < d.length; i += 4) least = Math.min(least, d[i] + d[i + 1] + d[i + 2]);
      return least;
    });
    assert.ok(darkest < 200, `darkest heat map cell ${darkest}`);
    await bench.page.locator('.notification-toast', { hasText: 'Running forward' }).waitFor({ state: 'hidden' });
    await bench.screenshot('run-05-dark-theme');
  });

  it('breaks no Content-Security-Policy rule and logs no errors', () => {
    assert.deepEqual(bench.cspViolations, []);
    assert.deepEqual(bench.consoleErrors, []);
  });
});
