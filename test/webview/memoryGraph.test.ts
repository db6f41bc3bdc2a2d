import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildQwenShapedProgram } from '../../scripts/bench/qwenShapedProgram';
import { REPO_ROOT } from '../../scripts/vscode/harness';
import { programFacts, xnnpackNodeCount } from '../unit/programFacts';
import type { GraphFacts, Rect } from '../../webview/graph/graphFacts';
import { graphFacts, notePress, paintSteps, pressedAt } from './graphProbe';
import { packagedVsix, Workbench } from './workbench';

const intersects = (a: Rect, b: Rect) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** How far a polyline (x0, y0, x1, y1, …) passes from a rectangle; 0 when it touches or crosses it. */
function distance(points: number[], r: Rect): number {
  const toPoint = (px: number, py: number) =>
    Math.hypot(Math.max(r.x - px, 0, px - r.x - r.width), Math.max(r.y - py, 0, py - r.y - r.height));
  let best = Infinity;
  for (let i = 0; i + 3 < points.length; i += 2) {
    const [x0, y0, x1, y1] = points.slice(i, i + 4);
    // Sampled densely enough for a few pixels of precision on any segment on screen.
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let k = 0; k <= steps; k++)
      best = Math.min(best, toPoint(x0 + ((x1 - x0) * k) / steps, y0 + ((y1 - y0) * k) / steps));
  }
  return best;
}

const inView = (f: GraphFacts, r: Rect) =>
  r.x >= 0 && r.y >= 0 && r.x + r.width <= f.width && r.y + r.height <= f.height;

/** Every box lies inside the canvas (what Fit promises). */
function assertAllInView(f: GraphFacts): void {
  const out = f.nodes.filter((n) => !inView(f, n));
  assert.deepEqual(
    out.map(
      (n) => `${n.label} at ${Math.round(n.x)},${Math.round(n.y)} ${Math.round(n.width)}×${Math.round(n.height)}`,
    ),
    [],
    `outside the ${f.width}×${f.height} canvas`,
  );
}

/** The little of an SVG element the chart test reads. */
interface SvgNode {
  textContent: string | null;
  firstChild: { textContent: string | null } | null;
  getAttribute(name: string): string | null;
}

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
    const qwen = buildQwenShapedProgram();
    fs.writeFileSync(path.join(ws, 'qwen3-shaped.pte'), qwen);
    fs.writeFileSync(path.join(ws, 'qwen3-read-first.pte'), qwen);
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
    // Axes: offset in bytes up the side, instruction index along the bottom, with ticks that agree with the bars.
    const chart = await panel.locator('svg.memory-chart').evaluate((svg) => {
      const all = (sel: string) =>
        [...(svg as unknown as { querySelectorAll(s: string): Iterable<SvgNode> }).querySelectorAll(sel)].map((e) => ({
          text: e.textContent ?? '',
          attr: (name: string) => Number(e.getAttribute(name)),
          title: e.firstChild?.textContent ?? '',
        }));
      return {
        titles: all('.memory-axis-title').map((t) => t.text),
        y: all('.memory-tick-label.y').map((t) => ({
          offset: t.attr('data-offset'),
          text: t.text,
          y: t.attr('y') - 4,
        })),
        x: all('.memory-tick-label.x').map((t) => ({ step: t.attr('data-step'), text: t.text, x: t.attr('x') })),
        bars: all('.memory-bar').map((b) => ({
          value: b.attr('data-value'),
          x: b.attr('x'),
          y: b.attr('y'),
          title: b.title,
        })),
      };
    });
    assert.equal(chart.titles.length, 2);
    assert.match(chart.titles.join(' | '), /instruction index.* \| offset in arena \(bytes\)/);
    // Offsets from 0 up to the arena's size, evenly spaced, higher up the chart.
    assert.deepEqual(
      chart.y.map((t) => t.text),
      ['0', '16', '32', '48', '64'],
    );
    assert.equal(chart.y[chart.y.length - 1].offset, facts.arenaSizes[1]);
    const yAt = (offset: number) => chart.y[0].y + (offset / chart.y[1].offset) * (chart.y[1].y - chart.y[0].y);
    // Every instruction has a tick, between the entry and the exit.
    assert.deepEqual(
      chart.x.map((t) => t.text),
      ['entry', ...[...Array(facts.instructionValues.length).keys()].map(String), 'exit'],
    );
    const column = chart.x[2].x - chart.x[1].x;
    const xAt = (step: number) => chart.x.find((t) => t.step === step)!.x - column / 2;
    assert.equal(chart.bars.length, planned.length);
    for (const bar of chart.bars) {
      const t = planned.find((p) => p.value === bar.value)!;
      // The bar's top is at offset + size on the offset axis; its left edge where its first step's column starts.
      assert.ok(
        Math.abs(bar.y - yAt(t.offset! + t.nbytes)) < 0.5,
        `%${t.value} top ${bar.y} vs ${yAt(t.offset! + t.nbytes)}`,
      );
      const start = /live (entry|#\d+)/.exec(bar.title)![1];
      assert.ok(
        Math.abs(bar.x - xAt(start === 'entry' ? -1 : Number(start.slice(1)))) < 0.5,
        `%${t.value} starts at ${start}`,
      );
    }
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
    // Walking kept the whole graph in view; edge labels keep clear of the delegate's title and of every box.
    const open = await graphFacts(panel);
    assertAllInView(open);
    assert.equal(open.frameTitles.length, 1);
    assert.match(open.frameTitles[0].text, /^XnnpackBackend #0 \(3 operators\)/);
    assert.ok(open.edgeLabels.length >= 4, `${open.edgeLabels.length} edge labels drawn`);
    for (const label of open.edgeLabels) {
      assert.ok(inView(open, label), `${label.text} is in view`);
      for (const t of open.frameTitles) assert.ok(!intersects(label, t), `${label.text} covers the title ${t.text}`);
      for (const n of open.nodes.filter((b) => b.kind !== 'delegate'))
        assert.ok(!intersects(label, n), `${label.text} covers ${n.label}`);
    }
    // Every edge, the one entering the frame too, keeps clear of the frame's title lines.
    assert.equal(open.routes.length, 6, 'two edges outside the delegate, four inside');
    for (const t of open.frameTitles)
      for (const r of open.routes) {
        const d = distance(r.points, t);
        assert.ok(d >= 8, `${r.id} passes ${d.toFixed(1)} px from the title '${t.text}'`);
      }
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
    await bench.screenshot('graph-qwen-first-view');
    // The graph is many times taller than wide: the first view starts at its top at a size that reads, so the
    // inputs, the operators before the layers and the first layer are legible (the minimap shows the rest).
    const first = await graphFacts(panel);
    const layer0 = first.nodes.find((n) => n.label === 'layers.0')!;
    assert.ok(inView(first, layer0), `layers.0 in view at ${Math.round(layer0.x)},${Math.round(layer0.y)}`);
    const before = first.nodes.filter((n) => n.kind !== 'block' && n.y + n.height <= layer0.y);
    assert.ok(before.filter((n) => n.kind === 'input').length >= 1, 'the inputs are above the layers');
    for (const n of before) {
      assert.ok(inView(first, n), `${n.label} in view at ${Math.round(n.x)},${Math.round(n.y)}`);
      const name = first.nodeLabels.find((l) => l.id === n.id);
      assert.ok(name && name.height >= 8, `${n.label} written at ${name?.height.toFixed(1)} px (scale ${first.scale})`);
    }
    assert.equal(await panel.locator('.graph-minimap').isVisible(), true);
    // 0 fits the whole graph: the decoder reads as a chain of 28 titled layer boxes, top to bottom, with the other
    // edges drawn light.
    await panel.locator('.graph-stage').focus();
    await bench.page.keyboard.press('0');
    await bench.screenshot('graph-qwen-layers-closed');
    const closed = await graphFacts(panel);
    assertAllInView(closed);
    assert.equal(closed.edges, 'overview');
    const layers = closed.nodes.filter((n) => n.kind === 'block');
    assert.deepEqual(
      layers.map((n) => n.label),
      [...Array(28).keys()].map((k) => `layers.${k}`),
    );
    for (let k = 1; k < layers.length; k++)
      assert.ok(layers[k].y > layers[k - 1].y, `layers.${k} below layers.${k - 1}`);
    assert.deepEqual(
      closed.blockTitles.map((t) => t.text.replace(/ · .*/, '')),
      layers.map((n) => n.label),
      JSON.stringify({ scale: closed.scale, layers, titles: closed.blockTitles }),
    );
    for (const t of closed.blockTitles) assert.match(t.text, /^layers\.\d+ · \d+ ops$/);
    for (let k = 1; k < closed.blockTitles.length; k++)
      assert.ok(!intersects(closed.blockTitles[k], closed.blockTitles[k - 1]), 'block titles apart');
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

  it('the graph is walked with the keyboard alone: Tab into it, arrows follow the data, Enter opens a layer', async () => {
    const view = bench.webview();
    const panel = view.locator('vscode-tab-panel[data-panel="graph"]');
    const stage = panel.locator('.graph-stage');
    const focused = () =>
      stage.evaluate(
        (el) => (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement === el,
      );
    const detail = () => panel.locator('.graph-detail-text').innerText();
    const press = async (key: string) => {
      await bench.page.keyboard.press(key);
      assert.ok(await focused(), `the graph keeps the focus after ${key}`);
      // The node the keys reached is drawn selected and in view.
      const f = await graphFacts(panel);
      const n = f.nodes.find((b) => b.id === f.selected);
      assert.ok(n && inView(f, n), `${f.selected} is in view after ${key}`);
      return detail();
    };
    // From the search field, Tab goes through the toolbar into the graph.
    await panel.locator('vscode-textfield.filter').focus();
    for (let i = 0; i < 12 && !(await focused()); i++) await bench.page.keyboard.press('Tab');
    assert.ok(await focused(), 'Tab reaches the graph');
    await bench.page.keyboard.press('0');
    assertAllInView(await graphFacts(panel));
    const seen = [await press('Home')];
    assert.match(seen[0], /^input 0\b/);
    // → follows an output: from the first input down the data to the first closed layer.
    while (!/^layers\.\d+: /.test(seen[seen.length - 1]) && seen.length < 40) seen.push(await press('ArrowRight'));
    assert.match(seen[seen.length - 1], /^layers\.0: \d+ nodes, closed/, seen.join('\n'));
    assert.equal(new Set(seen).size, seen.length, 'every step reached another node');
    // ← goes back to an input of the layer.
    assert.notEqual(await press('ArrowLeft'), seen[seen.length - 1]);
    await press('ArrowRight');
    // Enter opens the layer; ↓ walks its operators in program order.
    const laidOut = await panel.locator('.graph-panel').getAttribute('data-laid-out');
    await bench.page.keyboard.press('Enter');
    await panel.locator(`.graph-panel:not([data-laid-out="${laidOut}"])`).waitFor({ timeout: 90_000 });
    const first = await detail();
    const index = (t: string) => Number(/^#(\d+) /.exec(t)?.[1]);
    assert.match(first, /^#\d+ aten::/);
    const walked = [first];
    for (let i = 0; i < 4; i++) walked.push(await press('ArrowDown'));
    assert.deepEqual(
      walked.map(index),
      walked.map((_, k) => index(first) + k),
    );
    await bench.screenshot('graph-keyboard-walk');
    // / searches, Escape comes back to the graph, 0 fits it whole again.
    await bench.page.keyboard.press('/');
    await bench.page.keyboard.press('Escape');
    assert.ok(await focused(), 'Escape in the search field returns to the graph');
    await bench.page.keyboard.press('0');
    assertAllInView(await graphFacts(panel));
  });

  it("draws the graph in the dark theme's colours, closed layers still standing out", async () => {
    await bench.command('Preferences: Color Theme');
    await bench.page.locator('.quick-input-widget input[placeholder^="Select Color Theme"]').waitFor();
    await bench.page.keyboard.type('Dark Modern');
    assert.ok(await bench.pick(/Dark Modern$/), 'the theme picker offers Dark Modern');
    const panel = bench.webview().locator('vscode-tab-panel[data-panel="graph"]');
    const laidOut = await panel.locator('.graph-panel').getAttribute('data-laid-out');
    await panel.locator('vscode-button[aria-label="Close all blocks"]').click();
    await panel.locator(`.graph-panel:not([data-laid-out="${laidOut}"])`).waitFor({ timeout: 90_000 });
    await panel.locator('.graph-stage').focus();
    await bench.page.keyboard.press('0');
    const f = await graphFacts(panel);
    assertAllInView(f);
    assert.equal(f.blockTitles.length, 28);
    // The canvas is painted with the theme's editor background: a corner pixel is dark.
    const corner = await panel.locator('canvas.graph-canvas').evaluate((c) => {
      type Canvas = {
        getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: number[] } };
      };
      const d = (c as unknown as Canvas).getContext('2d').getImageData(1, 1, 1, 1).data;
      return d[0] + d[1] + d[2];
    });
    assert.ok(corner < 150, `the graph's background follows the dark theme (${corner})`);
    await bench.screenshot('graph-qwen-dark');
  });

  it('the Graph tab finds its graph laid out already: the editor asked for it once it had painted', async () => {
    const view = await bench.openFromExplorer('qwen3-read-first.pte', 'h1:text("qwen3-read-first.pte")');
    // The person reads the overview first.
    await view.locator('vscode-tab-header[data-tab="overview"]').waitFor();
    await new Promise((r) => setTimeout(r, 1500));
    const tab = view.locator('vscode-tab-header[data-tab="graph"]');
    await notePress(tab);
    await tab.click();
    const panel = view.locator('vscode-tab-panel[data-panel="graph"]');
    const steps = await paintSteps(panel);
    const pressed = await pressedAt(tab);
    assert.ok(steps.asked < pressed, `graph asked at ${steps.asked} ms, the tab pressed at ${pressed} ms`);
    assert.ok(steps.drawn > pressed, 'drawn after the press');
    assert.match(await panel.locator('.graph-status').innerText(), /28 repeated blocks \(from weight names\)/);
    const first = await graphFacts(panel);
    assert.equal(first.nodes.filter((n) => n.kind === 'block').length, 28);
    // Opening a layer and closing them all again draws the same graph as the first.
    const laidOut = await panel.locator('.graph-panel').getAttribute('data-laid-out');
    await panel.locator('.graph-stage').focus();
    await bench.page.keyboard.press('/');
    await bench.page.keyboard.type('layers.5');
    await panel.locator('.graph-status', { hasText: /match/ }).waitFor();
    await panel.locator('.graph-stage').focus();
    await bench.page.keyboard.press('Enter');
    await panel.locator(`.graph-panel:not([data-laid-out="${laidOut}"])`).waitFor({ timeout: 90_000 });
    const opened = await panel.locator('.graph-panel').getAttribute('data-laid-out');
    await panel.locator('vscode-button[aria-label="Close all blocks"]').first().click();
    await panel.locator(`.graph-panel:not([data-laid-out="${opened}"])`).waitFor({ timeout: 90_000 });
    const again = await graphFacts(panel);
    assert.deepEqual(
      again.nodes.map((n) => [n.id, n.label]),
      first.nodes.map((n) => [n.id, n.label]),
    );
    await bench.command('View: Close All Editors');
  });

  it("the graph's layout worker runs under the page's content security policy, without errors", () => {
    assert.deepEqual(bench.cspViolations, []);
    assert.deepEqual(bench.consoleErrors, []);
  });
});
