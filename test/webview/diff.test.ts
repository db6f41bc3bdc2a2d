import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FrameLocator, Locator } from 'playwright-core';
import { PRESETS } from '../../runtime/samples/transformer/config';
import { writeLoraSample } from '../../runtime/samples/transformer/loraSample';
import { adapterWeights, storedFoundationWeights } from '../../runtime/samples/transformer/parameters';
import { buildTransformerProgram } from '../../runtime/samples/transformer/program';
import { packagedVsix, Workbench } from './workbench';

const tiny = PRESETS.tiny;
const ADAPTER_KEYS = adapterWeights(tiny, 'a').map((w) => w.key);
/** The program's own constants: rotary tables and mask, and the 0-d float operands of add/mul the exporter lifts. */
const PROGRAM_CONSTANTS = buildTransformerProgram({
  config: tiny,
  backend: 'portable',
  adapter: { name: 'a', storage: 'dataFile' },
  namedKey: (w) => w.key,
  bytes: () => new Uint8Array(0),
}).methods[0].values.filter((v) => v.kind === 'tensor' && v.tensor.kind === 'constant').length;
/** Every tensor a comparison of two adapters over the foundation lists. */
const TENSORS = storedFoundationWeights(tiny, 'portable').length + ADAPTER_KEYS.length + PROGRAM_CONSTANTS;
/** lora_c against base adds its adapter's weights and one alpha/rank constant per adapted projection. */
const ADDED_BY_LORA_C = ADAPTER_KEYS.length + tiny.layers * tiny.lora.targets.length;
/** Numbers of one column of the rows in view, in order. */
async function columnNumbers(rows: Locator, column: number): Promise<number[]> {
  const texts = await rows.evaluateAll(
    (els, c) =>
      els
        .sort((x, y) => Number(x.getAttribute('data-index')) - Number(y.getAttribute('data-index')))
        .map((el) => el.querySelectorAll('.vt-cell')[c]?.textContent ?? ''),
    column,
  );
  return texts.map(Number);
}

/** The webview showing the comparison, by its frame's name (the visible frames change order as editors open). */
async function compareFrame(bench: Workbench, timeoutMs = 30_000): Promise<FrameLocator> {
  const deadline = Date.now() + timeoutMs;
  do {
    const frames = bench.page.locator('iframe.webview.ready').filter({ visible: true });
    for (let i = 0; i < (await frames.count()); i++) {
      const frame = frames.nth(i).contentFrame().locator('#active-frame').contentFrame();
      if (await frame.locator('.compare-view').count()) {
        const name = await frames.nth(i).getAttribute('name');
        return bench.page
          .locator(`iframe.webview[name="${name}"]`)
          .contentFrame()
          .locator('#active-frame')
          .contentFrame();
      }
    }
    await bench.page.waitForTimeout(200);
  } while (Date.now() < deadline);
  throw new Error('no visible compare view');
}

describe('Compare view in VS Code in a browser', function () {
  this.timeout(120_000);
  let bench: Workbench;
  let root: string;

  before(async function () {
    this.timeout(240_000);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-explorer-diff-e2e-'));
    const ws = path.join(root, 'workspace');
    await writeLoraSample({
      dir: path.join(ws, 'lora'),
      seed: 11,
      config: tiny,
      backend: 'portable',
      commandLine: 'diff e2e',
    });
    bench = await Workbench.start(ws, packagedVsix());
  });

  after(async () => {
    if (bench) await bench.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  let view: FrameLocator;

  it('selects two programs in the Explorer with the mouse and runs Compare Selected from the context menu', async () => {
    const page = bench.page;
    const files = page.locator('.pane-header', { hasText: /^workspace/i });
    if ((await files.getAttribute('aria-expanded')) !== 'true') await files.click();
    const tree = page.locator('.explorer-folders-view');
    const row = (name: string) =>
      tree
        .locator('.monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace('.', '\\.')}$`) }) })
        .first();
    await row('lora').click();
    await row('lora_a.pte').click();
    await row('lora_b.pte').click({ modifiers: ['Control'] });
    assert.equal(await tree.locator('.monaco-list-row.selected').count(), 2);
    const item = page.locator('.context-view .action-item', { hasText: 'Compare Selected in PTE Explorer' });
    // The extension's menu entries can arrive after the first paint: open the menu again until they are in.
    for (let attempt = 1; ; attempt++) {
      await row('lora_b.pte').click({ button: 'right' });
      try {
        await item.waitFor({ timeout: 5000 });
        break;
      } catch (e) {
        if (attempt === 4) throw e;
        await page.keyboard.press('Escape');
      }
    }
    await bench.screenshot('diff-01-context-menu');
    await item.click();

    view = bench.webview();
    await view.locator('h1', { hasText: 'lora_a.pte ↔ lora_b.pte' }).waitFor({ timeout: 60_000 });
    await view.locator('.vt-row').first().waitFor();
    const strip = await view.locator('.summary-strip').innerText();
    assert.match(strip, new RegExp(`${ADAPTER_KEYS.length} changed`));
    assert.match(strip, /foundation\.ptd shared \(\d+ keys, .+, identical\)/);
    // "Only changed" is on: exactly the adapter tensors are listed.
    assert.match(await view.locator('.count').innerText(), new RegExp(`^${ADAPTER_KEYS.length} of \\d+ tensors$`));
    const keys = await view.locator('.vt-row .vt-cell:nth-child(2)').allInnerTexts();
    assert.deepEqual([...keys].sort(), [...ADAPTER_KEYS].sort());
    await bench.screenshot('diff-02-compare-view');
  });

  it('filters by layer and by "only changed"', async () => {
    const count = view.locator('.count');
    const total = Number(/of (\d+)/.exec(await count.innerText())![1]);
    await view.locator('vscode-checkbox.only-changed').click();
    await count.filter({ hasText: new RegExp(`^${total} tensors$`) }).waitFor();
    await view.locator('vscode-textfield.filter').click();
    await bench.page.keyboard.type('layers.1.');
    await count.filter({ hasText: new RegExp(`^\\d+ of ${total} tensors$`) }).waitFor();
    const keys = await view.locator('.vt-row .vt-cell:nth-child(2)').allInnerTexts();
    assert.ok(keys.length > 0 && keys.every((k) => k.includes('layers.1.')), keys.join(', '));
    assert.ok(
      keys.some((k) => k.endsWith('lora_a.weight')) && keys.some((k) => !k.includes('lora')),
      'adapter and foundation weights of the layer',
    );
    await bench.screenshot('diff-03-filtered');
    // Back to the changed tensors of every layer.
    await view.locator('vscode-textfield.filter').click();
    await bench.page.keyboard.press('Control+A');
    await bench.page.keyboard.press('Backspace');
    await view.locator('vscode-checkbox.only-changed').click();
    await count.filter({ hasText: new RegExp(`^${ADAPTER_KEYS.length} of ${total} tensors$`) }).waitFor();
  });

  it('sorts by max |Δ|, largest first', async () => {
    const header = view.locator('button.vt-head', { hasText: 'max |Δ|' });
    await header.click();
    await header.click();
    assert.equal(await header.getAttribute('aria-sort'), 'descending');
    const values = await columnNumbers(view.locator('.vt-row'), 3);
    assert.equal(values.length, ADAPTER_KEYS.length);
    assert.ok(
      values.every((v) => v > 0),
      values.join(', '),
    );
    assert.deepEqual(
      values,
      [...values].sort((x, y) => y - x),
    );
    await bench.screenshot('diff-04-sorted');
  });

  it('charts the LoRA update of each layer; a layer opens its tensors', async () => {
    const layers = Array.from({ length: tiny.layers }, (_, i) =>
      tiny.lora.targets.map((t) => `layers.${i}.attention.${t}`),
    ).flat();
    await view.locator('vscode-tab-header[data-tab="lora"]').click();
    const rows = view.locator('.lora-row');
    await rows.first().waitFor();
    assert.deepEqual(await view.locator('.lora-row .lora-layer').allInnerTexts(), layers);
    // Both sides adapt every layer: two bars each, of non-zero width.
    const widths = await view
      .locator('.lora-row .lora-bar')
      .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
    assert.equal(widths.length, 2 * layers.length);
    assert.ok(
      widths.every((w) => w > 0),
      widths.join(', '),
    );
    await bench.screenshot('diff-05-lora-layers');
    await view.locator('.lora-layer', { hasText: layers[1] }).click();
    await view.locator('.count', { hasText: new RegExp(` of ${TENSORS} tensors$`) }).waitFor();
    const keys = await view.locator('.table-panel .vt-row .vt-cell:nth-child(2)').allInnerTexts();
    assert.deepEqual(keys.sort(), [`${layers[1]}.lora_a.weight`, `${layers[1]}.lora_b.weight`, `${layers[1]}.weight`]);
    // Back to the changed tensors.
    await view.locator('vscode-textfield.filter').click();
    await bench.page.keyboard.press('Control+A');
    await bench.page.keyboard.press('Backspace');
    await view.locator('vscode-checkbox.only-changed').click();
    await view.locator('.count', { hasText: new RegExp(`^${ADAPTER_KEYS.length} of ${TENSORS} tensors$`) }).waitFor();
  });

  it('lists the methods with instructions aligned call by call', async () => {
    await bench.page.locator('.tab', { hasText: '↔' }).click();
    const compare = await compareFrame(bench);
    await compare.locator('vscode-tab-header[data-tab="methods"]').click();
    await compare.locator('.method-compare h2', { hasText: 'forward' }).waitFor();
    assert.ok((await compare.locator('.method-compare .vt-row').count()) > 0);
    await bench.screenshot('diff-06-methods');
    await compare.locator('vscode-tab-header[data-tab="tensors"]').click();
    await compare.locator('.vt-row').first().waitFor();
  });

  it('a click on a row shows the tensor in both adapter files, side by side', async () => {
    const first = view.locator('.table-panel .vt-row[data-index="0"]');
    const key = await first.locator('.vt-cell').nth(1).innerText();
    await first.click();
    const page = bench.page;
    await page.locator('.tab', { hasText: 'lora_a.ptd' }).waitFor({ timeout: 30_000 });
    await page.locator('.tab', { hasText: 'lora_b.ptd' }).waitFor({ timeout: 30_000 });
    // Three editor groups: A, B, and the comparison.
    await page.locator('.editor-group-container').nth(2).waitFor();
    const frames = page.locator('iframe.webview.ready').filter({ visible: true });
    await frames.nth(2).waitFor({ timeout: 30_000 });
    let shown = 0;
    for (let i = 0; i < 3; i++) {
      const frame = frames.nth(i).contentFrame().locator('#active-frame').contentFrame();
      await frame.locator('.compare-view, .data-file-editor').first().waitFor({ timeout: 30_000 });
      if (await frame.locator('.compare-view').count()) continue;
      await frame.locator('.preview-key', { hasText: key }).waitFor({ timeout: 30_000 });
      assert.equal(await frame.locator('.vt-row.selected .vt-cell').first().innerText(), key);
      shown++;
    }
    assert.equal(shown, 2, `${key} selected in both data file editors`);
    await bench.screenshot('diff-07-revealed');
    assert.deepEqual(bench.cspViolations, []);
    assert.deepEqual(bench.consoleErrors, []);
  });

  it('arrows move through the rows and Enter shows the focused one in both editors', async () => {
    const compare = await compareFrame(bench);
    const second = await compare.locator('.table-panel .vt-row[data-index="1"] .vt-cell').nth(1).innerText();
    await compare.locator('.table-panel .vt-row[data-index="0"]').click();
    // The row is shown in both editors and the focus comes back to the comparison.
    await compare.locator('.table-panel .vt-body:focus').waitFor({ timeout: 10_000 });
    await bench.page.waitForTimeout(1000);
    await compare.locator('.table-panel .vt-body:focus').waitFor({ timeout: 10_000 });
    await bench.page.keyboard.press('ArrowDown');
    assert.equal(await compare.locator('.table-panel .vt-row.selected .vt-cell').nth(1).innerText(), second);
    await bench.page.keyboard.press('Enter');
    const frames = bench.page.locator('iframe.webview.ready').filter({ visible: true });
    let shown = 0;
    for (let i = 0; i < 3; i++) {
      const frame = frames.nth(i).contentFrame().locator('#active-frame').contentFrame();
      if (await frame.locator('.compare-view').count()) continue;
      await frame.locator('.preview-key', { hasText: second }).waitFor({ timeout: 30_000 });
      shown++;
    }
    assert.equal(shown, 2);
    // ...and the focus comes back to the comparison, for the next row.
    await compare.locator('.table-panel .vt-body:focus').waitFor({ timeout: 10_000 });
    await bench.screenshot('diff-08-keyboard');
  });

  it('Compare Adapters… picks two programs in a quick pick and compares them linked with their data files', async () => {
    const page = bench.page;
    // F1 pressed inside a webview may not reach the workbench: give the focus to the Explorer's tree first
    // (a folder row: clicking a file would open an editor, which takes the focus again).
    const folder = page.locator('.explorer-folders-view .monaco-list-row', { hasText: /^lora$/ }).first();
    await folder.click();
    await folder.click();
    await bench.command('PTE Explorer: Compare Adapters…');
    const rows = page.locator('.quick-input-list .monaco-list-row');
    await rows.filter({ hasText: 'lora_c.pte' }).waitFor();
    await rows.filter({ hasText: 'base.pte' }).click();
    await rows.filter({ hasText: 'lora_c.pte' }).click();
    await bench.screenshot('diff-09-compare-adapters-pick');
    await page.keyboard.press('Enter');
    const compare = page.locator('.tab', { hasText: /base\.pte ↔ lora_c\.pte|lora_c\.pte ↔ base\.pte/ });
    await compare.waitFor({ timeout: 30_000 });
    const view = await compareFrame(bench);
    // lora_c keeps its adapter inside the program: its weights are added constants, the foundation shared.
    const strip = await view.locator('.summary-strip').innerText();
    assert.match(strip, new RegExp(`${ADDED_BY_LORA_C} (added|removed)`));
    assert.match(strip, /foundation\.ptd shared/);
    await bench.screenshot('diff-10-compare-adapters');
  });
});
