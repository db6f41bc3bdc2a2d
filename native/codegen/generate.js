#!/usr/bin/env node
'use strict';
// Writes the C++ that registers every kernel of the portable library, the
// Cortex-M operators and Cadence's generic operators with ExecuTorch's
// operator registry. Upstream generates this with torchgen and PyTorch's
// native_functions.yaml, neither of which is available offline; we read the
// same operator yaml files and take each kernel's signature from its C++
// source instead.
//
// Usage: node native/codegen/generate.js --et <executorch tree> --out <file.cpp>
const fs = require('fs');
const path = require('path');
const { readOperators } = require('./operators');
const { findKernelSignatures } = require('./signatures');
const { renderRegistration } = require('./render');

function main(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) args[argv[i].replace(/^--/, '')] = argv[i + 1];
  if (!args.et || !args.out) {
    console.error('usage: generate.js --et <executorch tree> --out <file.cpp>');
    return 2;
  }
  const libraries = [
    { yaml: 'kernels/portable/functions.yaml', sources: ['kernels/portable/cpu'], namespaces: 'all' },
    { yaml: 'backends/cortex_m/ops/operators.yaml', sources: ['backends/cortex_m/ops'], namespaces: ['cortex_m'] },
    {
      yaml: 'backends/cadence/aot/functions.yaml',
      sources: ['backends/cadence/generic/operators'],
      namespaces: ['cadence'],
    },
  ];
  const kernels = [];
  const skipped = [];
  const seen = new Set();
  for (const lib of libraries) {
    const ops = readOperators(path.join(args.et, lib.yaml)).filter(
      (op) => lib.namespaces === 'all' || lib.namespaces.includes(op.namespace),
    );
    const signatures = findKernelSignatures(lib.sources.map((dir) => path.join(args.et, dir)));
    for (const op of ops) {
      if (seen.has(op.name)) continue;
      const sig = signatures.get(op.functionName);
      if (!sig) {
        skipped.push(`${op.name} (${op.kernelName}: no definition under ${lib.sources.join(', ')})`);
        continue;
      }
      seen.add(op.name);
      kernels.push({ op, sig });
    }
  }
  const text = renderRegistration(kernels, skipped);
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  // Rewrite only on change, so ninja does not recompile an identical file.
  const old = fs.existsSync(args.out) ? fs.readFileSync(args.out, 'utf8') : '';
  if (old !== text) fs.writeFileSync(args.out, text);
  console.error(
    `codegen: ${kernels.length} kernels registered` +
      (skipped.length ? `, ${skipped.length} skipped:\n  ${skipped.join('\n  ')}` : ''),
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
