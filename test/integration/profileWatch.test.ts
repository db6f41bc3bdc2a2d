import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ProfileMethodResult } from '../../extension/run/runMethodCommand';
import type { EditorSession } from '../../extension/editorSession';
import type { ProfileLinkView } from '../../runtime/view/viewTypes';
import { api, closeAllEditors, openAndPaint, waitFor, workspaceFolder } from './helpers';

/** Profiles `program` on ExecuTorch's runtime with the Profile command and returns the bytes of the `.etdp` it wrote beside it. */
async function profileBytes(program: string, runs: number): Promise<Uint8Array> {
  const result = await vscode.commands.executeCommand<ProfileMethodResult | undefined>(
    'pteExplorer.profileMethod',
    vscode.Uri.file(program).toString(),
    { method: 'forward', inputs: { kind: 'random', seed: 1 }, runs },
  );
  assert.ok(result?.ok, result && !result.ok ? result.error.message : 'nothing returned');
  const bytes = fs.readFileSync(result.etdp);
  await closeAllEditors();
  fs.rmSync(result.etdp);
  return bytes;
}

/** What the editor shows of its profile: the file, why, the runs per method and whether it could be read. */
function shown(session: EditorSession): string {
  const link: ProfileLinkView = session.profileLink();
  if (!link.file) return 'none';
  if (link.error) return `${link.file.name} (${link.reason}): error ${link.error}`;
  return `${link.file.name} (${link.reason}): ${link.methods.map((m) => `${m.name} ${m.runs}`).join(', ')}`;
}

/** Linking and settings refresh the editor a moment later; a change made after that is seen only by watching. */
const settled = () => new Promise((r) => setTimeout(r, 1000));

/**
 * A dump linked from outside the workspace and outside the program's folder
 * is watched: no refresh is asked for here, the editor must see each change
 * on its own (the profile links' watcher only sees the workspace).
 */
describe('Linked profile outside the workspace in VS Code', function () {
  this.timeout(180_000);
  let outside = '';
  let program = '';
  let two: Uint8Array;
  let three: Uint8Array;

  before(async () => {
    const dir = workspaceFolder('profile-watch', { 'softmax.pte': 'et-2025-12-softmax.pte' });
    program = path.join(dir, 'softmax.pte');
    two = await profileBytes(program, 2);
    three = await profileBytes(program, 3);
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-explorer-profile-watch-'));
    assert.equal(vscode.workspace.getWorkspaceFolder(vscode.Uri.file(outside)), undefined, 'outside the workspace');
  });
  afterEach(async () => {
    await closeAllEditors();
    // Back to finding the program's profile automatically.
    await (await api()).profiles.choose(vscode.Uri.file(program), undefined);
  });
  after(() => fs.rmSync(outside, { recursive: true, force: true }));

  it('follows a dump linked with Link Profile… as it is overwritten, deleted and written again, and stops watching it when unlinked', async () => {
    const linked = path.join(outside, 'linked.etdp');
    fs.writeFileSync(linked, two);
    const uri = vscode.Uri.file(program);
    const session = await openAndPaint(program);
    await vscode.commands.executeCommand<ProfileLinkView>('pteExplorer.linkProfile', uri, linked);
    assert.equal(shown(session), 'linked.etdp (chosen): forward 2');
    assert.ok(session.profileWatches().includes(linked), 'the linked dump is watched');
    assert.equal(session.instructionRows(0, 0, 50).profile?.runs, 2);
    await settled();

    // A new profile run written over it: the overlay changes.
    fs.writeFileSync(linked, three);
    await waitFor('the overwritten dump to be laid over', () => shown(session) === 'linked.etdp (chosen): forward 3');
    assert.equal(session.instructionRows(0, 0, 50).profile?.runs, 3);

    // Deleted: the file is still named as linked, and the editor says it cannot be read; no times are laid over.
    await settled();
    fs.rmSync(linked);
    await waitFor('the deleted dump to be noticed', () =>
      /^linked\.etdp \(chosen\): error .*ENOENT/.test(shown(session)),
    );
    assert.equal(session.instructionRows(0, 0, 50).profile, null);

    // Written again: back.
    await settled();
    fs.writeFileSync(linked, two);
    await waitFor('the re-created dump to be laid over', () => shown(session) === 'linked.etdp (chosen): forward 2');
    assert.equal(session.instructionRows(0, 0, 50).profile?.runs, 2);

    // Unlinked: the dump outside is no longer watched, only the program's folder is.
    await vscode.commands.executeCommand('pteExplorer.unlinkProfile', uri);
    assert.deepEqual(session.profileWatches(), [path.join(path.dirname(program), '*.etdp')]);
  });

  it('follows a dump outside the workspace that the pteExplorer.profiles setting names, as it is deleted and written again', async () => {
    const named = path.join(outside, 'from-setting.etdp');
    fs.writeFileSync(named, three);
    const config = vscode.workspace.getConfiguration('pteExplorer');
    await config.update('profiles', { 'profile-watch/*.pte': [named] }, vscode.ConfigurationTarget.Workspace);
    try {
      const session = await openAndPaint(program);
      await waitFor('the setting to be followed', async () => {
        await session.refreshProfile();
        return shown(session) === 'from-setting.etdp (setting): forward 3';
      });
      await settled();
      fs.writeFileSync(named, two);
      await waitFor(
        'the overwritten dump to be laid over',
        () => shown(session) === 'from-setting.etdp (setting): forward 2',
      );
      // Deleted: the setting names no file there, and nothing is beside the program.
      await settled();
      fs.rmSync(named);
      await waitFor('the deleted dump to be noticed', () => shown(session) === 'none');
      assert.equal(session.instructionRows(0, 0, 50).profile, null);
      await settled();
      fs.writeFileSync(named, three);
      await waitFor(
        'the re-created dump to be laid over',
        () => shown(session) === 'from-setting.etdp (setting): forward 3',
      );
    } finally {
      await config.update('profiles', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
