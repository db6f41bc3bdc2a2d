import * as path from 'node:path';

/** Why an `.etdp` is laid over a program. */
export type ProfileReason = 'chosen' | 'setting' | 'beside';

export interface ProfileCandidates {
  /** From "Link Profile…": a path, `null` after "Unlink Profile", undefined to find one automatically. */
  chosen: string | null | undefined;
  /** The files `pteExplorer.profiles` names for the program with their modification times; null when no entry matches it. */
  fromSetting: { path: string; mtimeMs: number }[] | null;
  /** The `.etdp` files in the program's folder. */
  sameFolder: readonly string[];
}

export interface ProfileChoice {
  taken: { path: string; reason: ProfileReason } | null;
  /** Other candidates, not laid over but offered: named like the program first. */
  offered: string[];
  /** "Unlink Profile" was chosen: nothing is laid over until a profile is linked again. */
  unlinked: boolean;
}

const stem = (file: string) => path.basename(file).replace(/\.[^.]+$/, '');

/**
 * Which `.etdp` a program shows: the one chosen with "Link Profile…", else
 * the newest the setting names, else `<program>.etdp` beside it (where a
 * Profile run writes). Other files in its folder, such as
 * `model_profile.etdp`, are offered rather than taken: a dump of another
 * program would only lay wrong times over this one.
 */
export function chooseProfile(programPath: string, c: ProfileCandidates): ProfileChoice {
  const beside = path.join(path.dirname(programPath), `${stem(programPath)}.etdp`);
  const setting = [...(c.fromSetting ?? [])].sort((a, b) => b.mtimeMs - a.mtimeMs || a.path.localeCompare(b.path));
  let taken: ProfileChoice['taken'] = null;
  if (typeof c.chosen === 'string') taken = { path: c.chosen, reason: 'chosen' };
  else if (c.chosen === undefined && setting.length) taken = { path: setting[0].path, reason: 'setting' };
  else if (c.chosen === undefined && c.sameFolder.includes(beside)) taken = { path: beside, reason: 'beside' };
  const programStem = stem(programPath).toLowerCase();
  const named = (p: string) => stem(p).toLowerCase().startsWith(programStem);
  const rest = [...new Set([...setting.map((s) => s.path), ...c.sameFolder])].filter((p) => p !== taken?.path);
  const offered = [...rest.filter(named).sort(), ...rest.filter((p) => !named(p)).sort()];
  return { taken, offered, unlinked: c.chosen === null };
}
