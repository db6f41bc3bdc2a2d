import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NativeMethod } from '../../runtime/exec/native/nativeMethod';
import { openProgram } from '../../runtime/exec/program/openProgram';
import { SharedData } from '../../runtime/exec/program/sharedData';
import { randomInputs } from '../../runtime/exec/randomInputs';
import { loadMethod } from '../../runtime/exec/runner';
import { REPO_ROOT } from '../../scripts/vscode/harness';
import { packagedVsix, Workbench } from './workbench';

const FIXTURES = process.env.PTE_EXPLORER_FIXTURES ?? path.resolve(REPO_ROOT, '../shared/fixtures/real');
/** Two kernel instructions (`_to_dim_order_copy`, `add`): two times, two heats. */
const PROGRAM = 'enr-multi.pte';
/** An XNNPACK program with a dump of PROGRAM beside it, under another name: offered, then linked, and noted as not matching. */
const OTHER = 'quantized.pte';
const MISMATCHED = 'quantized_run.etdp';

describe('Profile overlay on the program editor, in VS Code in a browser', function () {
  this.timeout(120_000);
  let bench: Workbench;
  let ws: string;

  before(async function () {
    this.timeout(240_000);
    ws = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pte-explorer-profile-ws-')), 'workspace');
    fs.mkdirSync(ws);
    fs.copyFileSync(path.join(FIXTURES, PROGRAM), path.join(ws, PROGRAM));
    // The .etdp a Profile run writes beside the program, made here by ExecuTorch's runtime.
    const shared = new SharedData();
    try {
      const p = await openProgram(path.join(ws, PROGRAM), { shared });
      const method = (await loadMethod(p, 0, { engine: 'executorch' })) as NativeMethod;
      const { etdump } = await method.profile(randomInputs(method.signature, 1), 4);
      fs.writeFileSync(path.join(ws, PROGRAM.replace(/\.pte$/, '.etdp')), etdump.etdump);
      fs.copyFileSync(path.join(FIXTURES, 'enr-quantized.pte'), path.join(ws, OTHER));
      fs.writeFileSync(path.join(ws, MISMATCHED), etdump.etdump);
      await method.dispose();
    } finally {
      shared.close();
    }
    bench = await Workbench.start(ws, packagedVsix());
  });

  after(async () => {
    if (bench) await bench.close();
    if (ws) fs.rmSync(path.dirname(ws), { recursive: true, force: true });
  });

  it("the Instructions list shows each instruction's time from the .etdp beside the program, and its operator table", async () => {
    const view = await bench.openFromExplorer(PROGRAM, `h1:text("${PROGRAM}")`);
    await view.locator('vscode-tab-header[data-tab="instructions"]').click();
    const panel = view.locator('vscode-tab-panel[data-panel="instructions"]');
    await panel.locator('.profile-note', { hasText: 'enr-multi.etdp (4 runs)' }).waitFor({ timeout: 30_000 });
    const times = await panel
      .locator('.table-panel > .vt .vt-row')
      .evaluateAll((rows) => rows.map((r) => r.lastElementChild?.textContent ?? ''));
    assert.equal(times.length, 2);
    for (const t of times) assert.match(t, /^\d+(\.\d+)? (ns|µs|ms) · \d+\.\d%$/);
    // The Calls column fits the longest operator name (dim_order_ops::_to_dim_order_copy.out), with it as the tooltip.
    const calls = await panel.locator('.table-panel > .vt .vt-row .vt-cell:nth-child(2)').evaluateAll((cells) =>
      cells.map((c) => ({
        text: c.textContent,
        title: (c as HTMLElement).title,
        cut: c.scrollWidth > c.clientWidth,
      })),
    );
    assert.deepEqual(
      calls.map((c) => [c.text, c.title, c.cut]),
      [
        ['dim_order_ops::_to_dim_order_copy.out', 'dim_order_ops::_to_dim_order_copy.out', false],
        ['aten::add.out', 'aten::add.out', false],
      ],
    );
    await panel.locator('.profile-operators summary').click();
    assert.equal(await panel.locator('.profile-operators .vt-row').count(), 2);
    const operatorCut = await panel
      .locator('.profile-operators .vt-row .vt-cell:first-child')
      .evaluateAll((cells) => cells.some((c) => c.scrollWidth > c.clientWidth));
    assert.equal(operatorCut, false, 'operator names are not cut off');
    await bench.screenshot('profile-instructions');
  });

  it("the graph colours instruction nodes by time and names the time in the node's detail", async () => {
    const view = bench.webview();
    await view.locator('vscode-tab-header[data-tab="graph"]').click();
    const panel = view.locator('vscode-tab-panel[data-panel="graph"]');
    await panel.locator('.graph-panel[data-laid-out]').waitFor({ timeout: 60_000 });
    await panel.locator('.graph-stage').focus();
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      await bench.page.keyboard.press('ArrowDown');
      seen.push(await panel.locator('.graph-detail-text').innerText());
    }
    assert.ok(
      seen.some((s) => /^#\d+ aten::.* · profile: \d+(\.\d+)? (ns|µs|ms) · \d+\.\d%/.test(s)),
      seen.join('\n'),
    );
    await bench.screenshot('profile-graph-heat');
  });

  it('offers a dump not named like the program, links it with Link Profile…, and notes the mismatch on the Instructions, operator table and Graph', async () => {
    const view = await bench.openFromExplorer(OTHER, `h1:text("${OTHER}")`);
    const overview = view.locator('vscode-tab-panel[data-panel="overview"]');
    await overview
      .locator('.profile-summary', { hasText: `not laid over: ${MISMATCHED}` })
      .waitFor({ timeout: 30_000 });
    await bench.command('PTE Explorer: Link Profile…');
    assert.ok(await bench.pick(/^quantized_run\.etdp/, 20_000), `the quick pick offers ${MISMATCHED}`);
    const note = overview.locator('.profile-summary .profile-mismatch summary');
    await note.waitFor({ timeout: 30_000 });
    assert.match(await note.innerText(), /\d+ notes?: the profile does not match this program/);
    await note.click();
    assert.ok((await overview.locator('.profile-summary .profile-mismatch li').count()) > 0);
    await bench.screenshot('profile-mismatch-overview');

    const v = bench.webview();
    await v.locator('vscode-tab-header[data-tab="instructions"]').click();
    const panel = v.locator('vscode-tab-panel[data-panel="instructions"]');
    const instructionsNote = panel.locator('.profile-note .profile-mismatch summary');
    await instructionsNote.waitFor({ timeout: 30_000 });
    assert.match(await panel.locator('.profile-note').innerText(), new RegExp(`from ${MISMATCHED}`));
    await panel.locator('.profile-operators > summary').click();
    assert.match(await panel.locator('.profile-operators > summary').innerText(), /does not match/);
    await panel.locator('.profile-operators > .profile-mismatch summary').click();
    assert.ok((await panel.locator('.profile-operators > .profile-mismatch li').count()) > 0);
    await bench.screenshot('profile-mismatch-instructions');

    await v.locator('vscode-tab-header[data-tab="graph"]').click();
    const graph = v.locator('vscode-tab-panel[data-panel="graph"]');
    await graph.locator('.graph-panel[data-laid-out]').waitFor({ timeout: 60_000 });
    const graphNote = graph.locator('.profile-note .profile-mismatch summary');
    assert.match(await graphNote.innerText(), /does not match this program/);
    await graphNote.click();
    await bench.screenshot('profile-mismatch-graph');
  });

  it('the ETDump editor names the program its dump is laid over and where it does not fit', async () => {
    const view = await bench.openFromExplorer(MISMATCHED, `h1:text("${MISMATCHED}")`);
    const program = view.locator('section', { hasText: `Laid over ${OTHER}` });
    await program.waitFor({ timeout: 30_000 });
    assert.match(await program.innerText(), /\(linked with Link Profile…\)/);
    await program.locator('.profile-mismatch summary').click();
    assert.ok((await program.locator('.profile-mismatch li').count()) > 0);
    await bench.screenshot('profile-mismatch-etdump');
  });
});
