import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { profileWatchTargets } from '../../runtime/link/profileWatchTargets';
import { resolveSettingGlob } from '../../runtime/link/settingGlobs';

/** Where a program editor watches for changes to the program's profile. */
describe('profile watch targets', () => {
  const workspace = path.join(path.sep, 'ws');
  const dir = path.join(workspace, 'models');
  const program = path.join(dir, 'model.pte');
  const folder = { folder: dir, pattern: '*.etdp' };

  it("watches the program's folder for .etdp files when nothing is laid over", () => {
    assert.deepEqual(profileWatchTargets(program, null, null), [folder]);
  });

  it('adds nothing for a dump the folder watcher already sees', () => {
    assert.deepEqual(profileWatchTargets(program, path.join(dir, 'model.etdp'), null), [folder]);
    assert.deepEqual(profileWatchTargets(program, path.join(dir, 'model_profile.etdp'), null), [folder]);
  });

  it('watches a linked dump outside the folder (outside the workspace too) by its own name', () => {
    const linked = path.join(path.sep, 'tmp', 'runs', 'latest.etdp');
    assert.deepEqual(profileWatchTargets(program, linked, null), [
      folder,
      { folder: path.join(path.sep, 'tmp', 'runs'), pattern: 'latest.etdp' },
    ]);
  });

  it('watches a linked file beside the program that does not end in .etdp', () => {
    const linked = path.join(dir, 'model.etdump');
    assert.deepEqual(profileWatchTargets(program, linked, null), [folder, { folder: dir, pattern: 'model.etdump' }]);
  });

  it('watches where the setting looks, so that a deleted dump it names is seen when it comes back, each place once', () => {
    const absolute = path.join(path.sep, 'profiles', 'model.etdp');
    const setting = ['../../profiles/*.etdp', absolute, 'runs/**/*.etdp', './*_profile.etdp', './deep/*.etdp'].map(
      (g) => resolveSettingGlob(g, program, workspace),
    );
    // The newest file the setting named was taken; it is also one of the places the setting names.
    const targets = profileWatchTargets(program, absolute, setting);
    assert.deepEqual(targets, [
      folder,
      { folder: path.join(path.sep, 'profiles'), pattern: 'model.etdp' },
      { folder: path.join(path.sep, 'profiles'), pattern: '*.etdp' },
      { folder: workspace, pattern: 'runs/**/*.etdp' },
      { folder: path.join(dir, 'deep'), pattern: '*.etdp' },
    ]);
  });

  it('keeps watching where the setting looks once its dump is deleted and nothing is taken', () => {
    const absolute = path.join(path.sep, 'profiles', 'model.etdp');
    assert.deepEqual(profileWatchTargets(program, null, [resolveSettingGlob(absolute, program, workspace)]), [
      folder,
      { folder: path.join(path.sep, 'profiles'), pattern: 'model.etdp' },
    ]);
  });
});
