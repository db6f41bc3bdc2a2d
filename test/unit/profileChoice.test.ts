import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chooseProfile } from '../../runtime/link/chooseProfile';
import { findCandidateDataFiles } from '../../runtime/link/findCandidateDataFiles';
import { resolveSettingGlob, settingGlobsFor } from '../../runtime/link/settingGlobs';

/** Which `.etdp` a program shows, and the per-program settings (`pteExplorer.dataFiles`, `pteExplorer.profiles`) both use. */
describe('profile choice and per-program settings', () => {
  const dir = path.join(path.sep, 'ws', 'models');
  const program = path.join(dir, 'model.pte');
  const beside = path.join(dir, 'model.etdp');
  const named = path.join(dir, 'model_profile.etdp');
  const other = path.join(dir, 'other.etdp');

  it('takes <program>.etdp beside the program and offers the others, named like the program first', () => {
    const c = chooseProfile(program, { chosen: undefined, fromSetting: null, sameFolder: [other, beside, named] });
    assert.deepEqual(c, { taken: { path: beside, reason: 'beside' }, offered: [named, other], unlinked: false });
  });

  it('offers model_profile.etdp but does not take it when no file has the program name', () => {
    const c = chooseProfile(program, { chosen: undefined, fromSetting: null, sameFolder: [named, other] });
    assert.equal(c.taken, null);
    assert.deepEqual(c.offered, [named, other]);
  });

  it('takes the newest file the setting names before the one beside the program', () => {
    const a = path.join(path.sep, 'ws', 'profiles', 'a.etdp');
    const b = path.join(path.sep, 'ws', 'profiles', 'b.etdp');
    const c = chooseProfile(program, {
      chosen: undefined,
      fromSetting: [
        { path: a, mtimeMs: 1000 },
        { path: b, mtimeMs: 2000 },
      ],
      sameFolder: [beside],
    });
    assert.deepEqual(c.taken, { path: b, reason: 'setting' });
    assert.deepEqual(c.offered, [beside, a]);
    // A setting entry that matches the program but finds no file leaves <program>.etdp.
    assert.deepEqual(chooseProfile(program, { chosen: undefined, fromSetting: [], sameFolder: [beside] }).taken, {
      path: beside,
      reason: 'beside',
    });
  });

  it('a file chosen with Link Profile… wins; Unlink Profile takes none and offers all', () => {
    const elsewhere = path.join(path.sep, 'tmp', 'run.etdp');
    const chosen = chooseProfile(program, {
      chosen: elsewhere,
      fromSetting: [{ path: other, mtimeMs: 1 }],
      sameFolder: [beside, other],
    });
    assert.deepEqual(chosen.taken, { path: elsewhere, reason: 'chosen' });
    assert.deepEqual(chosen.offered, [beside, other]);
    const none = chooseProfile(program, { chosen: null, fromSetting: null, sameFolder: [beside, named] });
    assert.deepEqual(none, { taken: null, offered: [beside, named], unlinked: true });
  });

  it('resolves setting globs as pteExplorer.dataFiles always has: ./ and ../ from the program, else the workspace', () => {
    const ws = path.join(path.sep, 'ws');
    assert.deepEqual(resolveSettingGlob('./profiles/*.etdp', program, ws), {
      kind: 'pattern',
      base: path.join(dir, 'profiles'),
      pattern: '*.etdp',
    });
    assert.deepEqual(resolveSettingGlob('../runs/model.etdp', program, ws), {
      kind: 'pattern',
      base: path.join(ws, 'runs'),
      pattern: 'model.etdp',
    });
    assert.deepEqual(resolveSettingGlob('dumps/**/*.etdp', program, ws), {
      kind: 'pattern',
      base: ws,
      pattern: 'dumps/**/*.etdp',
    });
    assert.deepEqual(resolveSettingGlob('/abs/x.etdp', program, ws), { kind: 'file', path: '/abs/x.etdp' });
  });

  it('uses the first program glob that matches, in the setting order, and ignores malformed values', async () => {
    const setting = {
      'other/*.pte': ['./a.etdp'],
      'models/*.pte': ['./b.etdp', 7, ''],
      'models/model.pte': ['./c.etdp'],
    };
    const asked: string[] = [];
    const globs = await settingGlobsFor(setting, (g) => {
      asked.push(g);
      return g.startsWith('models/');
    });
    assert.deepEqual(globs, ['./b.etdp']);
    assert.deepEqual(asked, ['other/*.pte', 'models/*.pte']);
    assert.equal(await settingGlobsFor(setting, () => false), null);
    assert.deepEqual(await settingGlobsFor({ '*.pte': 'not a list' }, () => true), []);
    for (const bad of [undefined, null, 'x', ['*.pte']]) assert.equal(await settingGlobsFor(bad, () => true), null);
  });

  it('lists the .etdp files in a folder, not its subfolders and not other kinds', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pte-explorer-etdp-'));
    try {
      for (const f of ['b.etdp', 'a.ETDP', 'x.ptd', 'model.pte']) fs.writeFileSync(path.join(tmp, f), '');
      fs.mkdirSync(path.join(tmp, 'sub'));
      fs.writeFileSync(path.join(tmp, 'sub', 'c.etdp'), '');
      assert.deepEqual(await findCandidateDataFiles(tmp, 'etdp'), [path.join(tmp, 'a.ETDP'), path.join(tmp, 'b.etdp')]);
      assert.deepEqual(await findCandidateDataFiles(tmp), [path.join(tmp, 'x.ptd')]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
