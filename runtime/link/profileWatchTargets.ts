import * as path from 'node:path';
import { SettingGlob } from './settingGlobs';

/** A folder and a glob of file names in it, watched for changes (a VS Code RelativePattern). */
export interface WatchTarget {
  folder: string;
  pattern: string;
}

/**
 * Where a program's profile can change on disk: the `.etdp` files in its
 * folder (a Profile run writes `<program>.etdp` there; the others are
 * offered), the file laid over it when it lies elsewhere (a dump linked
 * from outside the workspace), and where `pteExplorer.profiles` looks for
 * it, so that a dump the setting names is seen when it is written again
 * after being deleted. Each place once; none the folder's `*.etdp` covers.
 */
export function profileWatchTargets(
  programPath: string,
  taken: string | null,
  setting: readonly SettingGlob[] | null,
): WatchTarget[] {
  const folder = path.dirname(programPath);
  const targets: WatchTarget[] = [{ folder, pattern: '*.etdp' }];
  const add = (t: WatchTarget) => {
    const covered = t.folder === folder && !t.pattern.includes('/') && t.pattern.endsWith('.etdp');
    if (!covered && !targets.some((o) => o.folder === t.folder && o.pattern === t.pattern)) targets.push(t);
  };
  if (taken) add({ folder: path.dirname(taken), pattern: path.basename(taken) });
  for (const g of setting ?? [])
    add(
      g.kind === 'file'
        ? { folder: path.dirname(g.path), pattern: path.basename(g.path) }
        : { folder: g.base, pattern: g.pattern },
    );
  return targets;
}
