import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The kernel registration generator of native/codegen: finding each kernel's
 * C++ signature (overloads, macros, namespaces) and what it writes for it.
 */

const CODEGEN = path.resolve(__dirname, '..', '..', '..', 'native', 'codegen');

interface Param {
  type: string;
  name?: string;
}
interface Signature {
  qualified: string;
  returnType: string;
  params: Param[];
  defined: boolean;
}
/* eslint-disable @typescript-eslint/no-require-imports */
const { findKernelSignatures } = require(path.join(CODEGEN, 'signatures.js')) as {
  findKernelSignatures(dirs: string[]): Map<string, Signature>;
};
const { renderRegistration } = require(path.join(CODEGEN, 'render.js')) as {
  renderRegistration(kernels: { op: object; sig: Signature }[], skipped: string[]): string;
};
const { readOperators } = require(path.join(CODEGEN, 'operators.js')) as {
  readOperators(file: string): { name: string; overloadName: string; functionName: string }[];
};
/* eslint-enable @typescript-eslint/no-require-imports */

const KERNELS = `
#include <x.h>
namespace torch {
namespace executor {
namespace native {
using Tensor = executorch::aten::Tensor;
// an overload without the context is not what the runtime calls
Tensor& add_out(const Tensor& a, const Tensor& b, const Scalar& alpha, Tensor& out);
Tensor& add_out(
    KernelRuntimeContext& ctx, // the context
    const Tensor& a,
    const Tensor& b,
    const Scalar& alpha,
    Tensor& out) {
  if (a.dim() > 0) { return out; }
  return out;
}
std::tuple<Tensor&, Tensor&> max_out(KernelRuntimeContext& ctx, const Tensor& in, int64_t dim, bool keepdim, Tensor& max, Tensor& max_indices) {
  return {max, max_indices};
}
void split_copy_out(KernelRuntimeContext& ctx, const Tensor& in, IntArrayRef sizes, int64_t dim, TensorList out) {}
#define DEFINE_UNARY(op_name, fn) \\
  Tensor& op_name(KernelRuntimeContext& ctx, const Tensor& in, Tensor& out) { \\
    return unary(fn, ctx, in, out); \\
  }
DEFINE_UNARY(exp_out, std::exp)
namespace {
Tensor& helper(KernelRuntimeContext& ctx, const Tensor& in) { return in; }
}
} // namespace native
} // namespace executor
} // namespace torch
`;

describe('native/codegen: kernel registration generator', () => {
  let dir: string;
  let signatures: Map<string, Signature>;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'native-codegen-'));
    fs.mkdirSync(path.join(dir, 'cpu'));
    fs.writeFileSync(path.join(dir, 'cpu', 'ops.cpp'), KERNELS);
    signatures = findKernelSignatures([path.join(dir, 'cpu')]);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes the overload with KernelRuntimeContext& first, with its parameter names and types', () => {
    const add = signatures.get('torch::executor::native::add_out')!;
    assert.equal(add.returnType, 'Tensor&');
    assert.deepEqual(add.params, [
      { type: 'KernelRuntimeContext&', name: 'ctx' },
      { type: 'const Tensor&', name: 'a' },
      { type: 'const Tensor&', name: 'b' },
      { type: 'const Scalar&', name: 'alpha' },
      { type: 'Tensor&', name: 'out' },
    ]);
    assert.equal(add.defined, true);
  });

  it('expands function-defining macros and finds kernels returning tuples or void', () => {
    assert.deepEqual(
      signatures.get('torch::executor::native::exp_out')!.params.map((p) => p.name),
      ['ctx', 'in', 'out'],
    );
    assert.equal(signatures.get('torch::executor::native::max_out')!.returnType, 'std::tuple<Tensor&, Tensor&>');
    assert.equal(signatures.get('torch::executor::native::split_copy_out')!.returnType, 'void');
    assert.ok(!signatures.has('torch::executor::native::helper'), 'anonymous-namespace helpers are not kernels');
  });

  it('writes a wrapper per kernel: checked arguments, an operator-named profiling scope, outputs logged', () => {
    const kernels = ['add_out', 'max_out', 'split_copy_out'].map((fn, i) => ({
      op: {
        name: `aten::${['add.out', 'max.dim_max', 'split_copy.Tensor_out'][i]}`,
        overloadName: ['add.out', 'max.dim_max', 'split_copy.Tensor_out'][i],
      },
      sig: signatures.get(`torch::executor::native::${fn}`)!,
    }));
    const text = renderRegistration(kernels, ['aten::nope.out (no definition)']);
    assert.match(text, /\/\/ {3}aten::nope\.out \(no definition\)/);
    assert.match(text, /if \(stack\.size\(\) < 4\) \{ ::pte_native::fail_arity\(context, "aten::add\.out", 4/);
    assert.match(text, /read_arg<const Scalar&>\(stack\[2\]\)/);
    assert.match(
      text,
      /EventTracerProfileOpScope event_tracer_op_scope\(context\.internal_event_tracer\(\), "native_call_add\.out"\)/,
    );
    assert.match(text, /add_out\(context, a0\.get\(\), a1\.get\(\), a2\.get\(\), a3\.get\(\)\);/);
    // Each output argument is logged (the intermediate outputs of an ETDump): `out`, both outputs of max, the list of split.
    assert.match(
      text,
      /pte_boxed_0[\s\S]*event_tracer_log_evalue\(context\.internal_event_tracer\(\), \*stack\[3\]\);\n\}/,
    );
    assert.match(text, /pte_boxed_1[\s\S]*\*stack\[3\]\);\n {2}if \(stack\.size\(\) > 4\) [^\n]*\*stack\[4\]\);\n\}/);
    assert.match(text, /pte_boxed_2[\s\S]*\*stack\[3\]\);\n\}/);
    assert.match(text, /Kernel\("aten::max\.dim_max", &::torch::executor::native::pte_boxed_1\)/);
  });

  it('reads operator names and kernel functions from an operator yaml', () => {
    const yaml = path.join(dir, 'functions.yaml');
    fs.writeFileSync(
      yaml,
      [
        '- op: add.out',
        '  kernels:',
        '    - arg_meta: null',
        '      kernel_name: torch::executor::add_out',
        '- func: cortex_m::quantized_add.out(Tensor self, *, Tensor(a!) out) -> Tensor(a!)',
        '  kernels:',
        '    - arg_meta: null',
        '      kernel_name: cortex_m::quantized_add_out',
      ].join('\n'),
    );
    assert.deepEqual(
      readOperators(yaml).map((o) => [o.name, o.overloadName, o.functionName]),
      [
        ['aten::add.out', 'add.out', 'torch::executor::native::add_out'],
        ['cortex_m::quantized_add.out', 'quantized_add.out', 'cortex_m::native::quantized_add_out'],
      ],
    );
  });
});
