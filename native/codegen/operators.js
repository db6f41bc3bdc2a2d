'use strict';
// Reads an ExecuTorch operator yaml (functions.yaml / operators.yaml): each
// entry names an operator (`op: add.out` for ATen operators, or
// `func: ns::name.overload(schema) -> ...`) and the C++ kernel implementing it.
const fs = require('fs');
const YAML = require('yaml');

/**
 * @returns {{name: string, namespace: string, overloadName: string,
 *   kernelName: string, functionName: string}[]}
 * `name` is what programs reference (`aten::add.out`); `functionName` the C++
 * function the kernel is (`torch::executor::native::add_out`: upstream's
 * convention inserts `native` before the last component of `kernel_name`).
 */
function readOperators(file) {
  const entries = YAML.parse(fs.readFileSync(file, 'utf8')) || [];
  const ops = [];
  for (const entry of entries) {
    const schemaName = entry.op ?? (entry.func ? String(entry.func).split('(')[0].trim() : undefined);
    const kernel = (entry.kernels || []).find((k) => !k.arg_meta) ?? (entry.kernels || [])[0];
    if (!schemaName || !kernel || !kernel.kernel_name) continue;
    const [namespace, overloadName] = schemaName.includes('::') ? schemaName.split('::') : ['aten', schemaName];
    const parts = kernel.kernel_name.split('::');
    const functionName = [...parts.slice(0, -1), 'native', parts[parts.length - 1]].join('::');
    ops.push({
      name: `${namespace}::${overloadName}`,
      namespace,
      overloadName,
      kernelName: kernel.kernel_name,
      functionName,
    });
  }
  return ops;
}

module.exports = { readOperators };
