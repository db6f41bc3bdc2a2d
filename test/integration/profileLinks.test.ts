import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ProfileMethodResult } from '../../extension/run/runMethodCommand';
import type { ProfileLinkView } from '../../runtime/view/viewTypes';
import { etdumpProgramView } from '../../extension/profileViews';
import { withFile } from '../../runtime/format/byteSource';
import { decodeEtdump } from '../../runtime/format/etdump/decodeEtdump';
import { api, closeAllEditors, openAndPaint, waitFor, workspaceFolder } from './helpers';

/** Profiles `program` on ExecuTorch's runtime with the Profile command, which writes `<program>.etdp` beside it. */
async function profile(program: string, runs: number): Promise<string> {
  const result = await vscode.commands.executeCommand<ProfileMethodResult | undefined>(
    'pteExplorer.profileMethod',
    vscode.Uri.file(program).toString(),
    { method: 'forward', inputs: { kind: 'random', seed: 1 }, runs },
  );
  assert.ok(result?.ok, result && !result.ok ? result.error.message : 'nothing returned');
  return result.etdp;
}

/** Link Profile…, Unlink Profile and the pteExplorer.profiles setting, with `.etdp` files made by ExecuTorch's runtime. */
describe('Link Profile… in VS Code', function () {
  this.timeout(180_000);
  afterEach(closeAllEditors);

  it('offers a same-folder .etdp not named like the program, links the one picked in the quick pick, notes a mismatch, unlinks, and follows the setting', async () => {
    // A dump of another program, elsewhere in the workspace: it does not fit.
    const otherDir = workspaceFolder('profile-link-other', { 'multi.pte': 'enr-multi.pte' });
    const mismatched = await profile(path.join(otherDir, 'multi.pte'), 2);
    // The program's own dump, under a name that is not <program>.etdp: offered, not taken.
    const dir = workspaceFolder('profile-link', { 'softmax.pte': 'et-2025-12-softmax.pte' });
    const program = path.join(dir, 'softmax.pte');
    const written = await profile(program, 3);
    await closeAllEditors();
    const own = path.join(dir, 'softmax_profile.etdp');
    fs.renameSync(written, own);

    const uri = vscode.Uri.file(program);
    const session = await openAndPaint(program);
    const { profiles } = await api();
    await session.refreshProfile();
    let link: ProfileLinkView = session.profileLink();
    assert.equal(link.file, null);
    assert.deepEqual(
      link.offered.map((o) => o.name),
      ['softmax_profile.etdp'],
    );
    assert.equal(session.instructionRows(0, 0, 50).profile, null);

    // Link Profile… from the Command Palette's quick pick: Browse… first, then the files that fit the program.
    const picked = vscode.commands.executeCommand<ProfileLinkView | undefined>('pteExplorer.linkProfile', uri);
    await new Promise((r) => setTimeout(r, 1500));
    await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    link = (await picked)!;
    assert.deepEqual(link.file, { name: 'softmax_profile.etdp', path: own });
    assert.equal(link.reason, 'chosen');
    assert.deepEqual(link.notes, []);
    assert.deepEqual(link.methods, [{ name: 'forward', runs: 3 }]);
    assert.equal(profiles.chosen(uri), own, 'the choice is remembered for the program');
    const rows = session.instructionRows(0, 0, 50);
    assert.deepEqual(
      { ...rows.profile, operators: [] },
      { file: 'softmax_profile.etdp', runs: 3, notes: [], operators: [] },
    );
    assert.ok(rows.page.rows.filter((r) => r.kind === 'kernel').every((r) => /· \d+\.\d%$/.test(r.time ?? '')));

    // A dump of another program: laid over because it was chosen, with the notes saying it does not fit.
    link = (await vscode.commands.executeCommand<ProfileLinkView>('pteExplorer.linkProfile', uri, mismatched))!;
    assert.equal(link.file?.path, mismatched);
    assert.ok(link.notes.length > 0, 'notes where the dump does not fit');
    const noted = session.instructionRows(0, 0, 50).profile;
    assert.deepEqual(noted?.notes, link.notes);
    // The ETDump editor knows which program the dump is laid over, and says it does not fit.
    const dump = await withFile(mismatched, decodeEtdump);
    const owner = await etdumpProgramView(vscode.Uri.file(mismatched), dump, profiles);
    assert.equal(owner?.path, program);
    assert.equal(owner?.reason, 'chosen');
    assert.deepEqual(owner?.notes, link.notes);

    // Unlink Profile: nothing laid over, both files offered.
    link = (await vscode.commands.executeCommand<ProfileLinkView>('pteExplorer.unlinkProfile', uri))!;
    assert.equal(link.file, null);
    assert.equal(link.unlinked, true);
    assert.equal(profiles.chosen(uri), null);
    assert.equal(session.instructionRows(0, 0, 50).profile, null);

    // Back to automatic, with the setting naming the program's dump.
    const config = vscode.workspace.getConfiguration('pteExplorer');
    await config.update(
      'profiles',
      { 'profile-link/*.pte': ['./*_profile.etdp'] },
      vscode.ConfigurationTarget.Workspace,
    );
    try {
      link = (await vscode.commands.executeCommand<ProfileLinkView>('pteExplorer.linkProfile', uri, null))!;
      assert.equal(profiles.chosen(uri), undefined);
      assert.deepEqual([link.file?.path, link.reason, link.unlinked], [own, 'setting', false]);
    } finally {
      await config.update('profiles', undefined, vscode.ConfigurationTarget.Workspace);
    }
    // Without the setting nothing is named like the program: offered again, not taken.
    await waitFor('the setting to be dropped', async () => {
      await session.refreshProfile();
      return session.profileLink().file === null;
    });
    assert.deepEqual(
      session.profileLink().offered.map((o) => o.name),
      ['softmax_profile.etdp'],
    );
  });
});
