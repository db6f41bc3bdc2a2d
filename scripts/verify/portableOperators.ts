import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where the pinned ExecuTorch sources are, as the native build finds them:
 * `EXECUTORCH_SRC` (a source tree), else `executorch.tar.xz` in
 * `PTE_EXPLORER_VENDOR` or `../shared/vendor` beside the repository.
 */
export const DEFAULT_EXECUTORCH_SOURCES =
  process.env.EXECUTORCH_SRC ||
  path.join(
    process.env.PTE_EXPLORER_VENDOR || path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'vendor'),
    'executorch.tar.xz',
  );

const YAML = 'kernels/portable/functions.yaml';

/**
 * The operators ExecuTorch's portable kernel library registers, by qualified
 * name (`aten::add.out`, `aten::copy_`, `dim_order_ops::_to_dim_order_copy.out`),
 * read from `kernels/portable/functions.yaml` of the pinned sources: the
 * vendored archive, or an ExecuTorch source directory. Nothing is copied
 * into the project.
 */
export function readPortableOperators(source = DEFAULT_EXECUTORCH_SOURCES): Set<string> {
  let text: string;
  if (fs.existsSync(source) && fs.statSync(source).isDirectory()) {
    text = fs.readFileSync(path.join(source, YAML), 'utf8');
  } else if (fs.existsSync(source)) {
    text = execFileSync('tar', ['-xJf', source, '-O', '--wildcards', `*${YAML}`], {
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    });
  } else {
    throw new Error(
      `no ExecuTorch sources at ${source} (the vendored executorch.tar.xz or a source directory; --executorch PATH)`,
    );
  }
  return parsePortableOperators(text);
}

/** Operator names of a `functions.yaml`: `- op: name.overload` (ATen) and `- func: ns::name.overload(…)` entries. */
export function parsePortableOperators(yaml: string): Set<string> {
  const ops = new Set<string>();
  for (const line of yaml.split('\n')) {
    const m = /^- (op|func):\s*([A-Za-z0-9_:.]+)/.exec(line);
    if (!m) continue;
    ops.add(m[2].includes('::') ? m[2] : `aten::${m[2]}`);
  }
  return ops;
}
