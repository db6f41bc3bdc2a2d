import * as path from 'node:path';

/**
 * Settings that name files per program (`pteExplorer.dataFiles`,
 * `pteExplorer.profiles`) map program globs, matched against a program's
 * path in its workspace folder, to globs of files. A file glob is relative
 * to the program's folder when it starts with `./` or `../`, else to the
 * workspace folder; an absolute path names one file.
 */

/** Where one file glob of such a setting looks. */
export type SettingGlob = { kind: 'file'; path: string } | { kind: 'pattern'; base: string; pattern: string };

export function resolveSettingGlob(glob: string, programPath: string, workspaceFolder: string): SettingGlob {
  if (path.isAbsolute(glob)) return { kind: 'file', path: glob };
  if (glob.startsWith('./') || glob.startsWith('../'))
    return {
      kind: 'pattern',
      base: path.resolve(path.dirname(programPath), path.dirname(glob)),
      pattern: path.basename(glob),
    };
  return { kind: 'pattern', base: workspaceFolder, pattern: glob };
}

/**
 * The file globs of the first program glob, in the setting's order, that
 * `matches` accepts for the program; null when none does (or the setting is
 * not an object). Values that are not lists of strings count as no globs.
 */
export async function settingGlobsFor(
  setting: unknown,
  matches: (programGlob: string) => Promise<boolean> | boolean,
): Promise<string[] | null> {
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) return null;
  for (const [programGlob, globs] of Object.entries(setting as Record<string, unknown>)) {
    if (!(await matches(programGlob))) continue;
    return Array.isArray(globs) ? globs.filter((g): g is string => typeof g === 'string' && g.length > 0) : [];
  }
  return null;
}
