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
    await panel.locator('.profile-operators summary').click();
    assert.equal(await panel.locator('.profile-operators .vt-row').count(), 2);
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
});
