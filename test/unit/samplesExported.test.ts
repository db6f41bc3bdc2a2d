import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parse } from 'yaml';
import { checkArity } from '../../runtime/exec/schema/callArgs';
import { operatorSchema } from '../../runtime/exec/schema/operatorSchemas';
import { parseSchema, SchemaArgument } from '../../runtime/exec/schema/schema';
import { Method } from '../../runtime/format/pte/pteTypes';
import { PteWriteInput } from '../../runtime/format/writer/types';
import { SampleDtype } from '../../runtime/samples/dtypes';
import { buildLinearProgram } from '../../runtime/samples/linear/linearSample';
import { PRESETS, PresetName } from '../../runtime/samples/transformer/config';
import { LORA_PROGRAMS } from '../../runtime/samples/transformer/loraSample';
import { Backend, buildTransformerProgram } from '../../runtime/samples/transformer/program';
import { weightBytes } from '../../runtime/samples/weights';

/** The pinned ExecuTorch sources beside the project (never committed). */
const EXECUTORCH_ARCHIVE = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'vendor', 'executorch.tar.xz');

/**
 * The portable kernel library's operators, from `kernels/portable/functions.yaml`
 * of the vendored ExecuTorch: `- op: add.out` (an ATen operator) or
 * `- func: ns::name.overload(schema…)` (with its schema).
 */
function portableKernels(): Map<string, string | null> {
  const r = spawnSync('tar', ['-xJf', EXECUTORCH_ARCHIVE, '-O', '--wildcards', '*kernels/portable/functions.yaml'], {
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  assert.equal(r.status, 0, `reading functions.yaml from ${EXECUTORCH_ARCHIVE}: ${r.stderr}`);
  const entries = parse(r.stdout) as { op?: string; func?: string }[];
  const out = new Map<string, string | null>();
  for (const e of entries) {
    const text = e.op ?? e.func!;
    const name = text.split('(')[0];
    const qualified = name.includes('::') ? name : `aten::${name}`;
    out.set(qualified, e.func ? `${qualified}${text.slice(name.length)}` : null);
  }
  return out;
}

/** Every program the sample generator writes, built in memory (no weights are generated). */
function samplePrograms(): { label: string; input: PteWriteInput }[] {
  const out: { label: string; input: PteWriteInput }[] = [];
  for (const backend of ['portable', 'xnnpack'] as const)
    out.push({ label: `linear ${backend}`, input: buildLinearProgram(backend, 7) });
  const variants: { preset: PresetName; dtype?: SampleDtype }[] = [
    { preset: 'tiny' },
    { preset: 'tiny', dtype: 'bfloat16' },
    { preset: 'qwen3-0.6b' },
  ];
  for (const { preset, dtype } of variants) {
    const config = { ...PRESETS[preset], ...(dtype ? { dtype } : {}) };
    for (const backend of ['portable', 'xnnpack'] as Backend[]) {
      for (const p of LORA_PROGRAMS) {
        out.push({
          label: `${preset}${dtype ? ` ${dtype}` : ''} ${backend} ${p.file}`,
          input: buildTransformerProgram({
            config,
            backend,
            adapter: p.adapter ? { name: p.adapter, storage: p.storage } : null,
            namedKey: (w) => w.key,
            bytes: (w) => weightBytes(w, 0, config.dtype),
          }),
        });
      }
    }
  }
  return out;
}

function argumentList(args: SchemaArgument[]): string[] {
  return args.map(
    (a) =>
      `${a.kwargOnly ? '*' : ''}${a.type.base}${a.type.list ? '[]' : ''}${a.type.optional ? '?' : ''}${a.type.mutable ? '!' : ''} ${a.name}`,
  );
}

describe('samples emit only what the exporter would', function () {
  this.timeout(120_000);
  let kernels: Map<string, string | null>;
  let programs: { label: string; input: PteWriteInput }[];
  before(() => {
    kernels = portableKernels();
    programs = samplePrograms();
  });

  it('reads the portable kernel library from the vendored ExecuTorch', () => {
    assert.ok(kernels.size > 150, `${kernels.size} kernels`);
    for (const op of ['aten::add.out', 'aten::sigmoid.out', 'dim_order_ops::_to_dim_order_copy.out'])
      assert.ok(kernels.has(op), op);
    assert.ok(!kernels.has('aten::silu.out'), 'the portable library has no silu.out');
  });

  it("every kernel call of every sample is a portable kernel, with the schema's argument list", () => {
    const problems: string[] = [];
    for (const { label, input } of programs) {
      for (const method of input.methods as Method[]) {
        for (const [i, ins] of method.chains[0].instructions.entries()) {
          if (ins.kind !== 'kernel') continue;
          const name = method.operators[ins.opIndex].qualifiedName;
          if (!kernels.has(name)) {
            problems.push(`${label}: instruction ${i} calls ${name}, which the portable kernel library does not have`);
            continue;
          }
          const schema = operatorSchema(name);
          if (!schema) {
            problems.push(`${label}: no schema for ${name}`);
            continue;
          }
          const arity = checkArity(schema, method, ins.args);
          if (arity) problems.push(`${label}: instruction ${i} (${name}): ${arity}`);
          const declared = kernels.get(name);
          if (declared)
            assert.deepEqual(
              argumentList(schema.args),
              argumentList(parseSchema(declared).args),
              `our schema of ${name} is functions.yaml's`,
            );
        }
      }
    }
    assert.deepEqual([...new Set(problems)].slice(0, 20), []);
  });

  it('SiLU is x · sigmoid(x) and float operands of add/mul are 0-d tensor constants, as the exporter decomposes them', () => {
    for (const { label, input } of programs.filter((p) => !p.label.startsWith('linear'))) {
      const method = input.methods[0];
      const ops = method.operators.map((o) => o.qualifiedName);
      assert.ok(
        ops.includes('aten::sigmoid.out') && !ops.some((o) => o.includes('silu') || o.endsWith('Scalar_out')),
        `${label}: ${ops.join(', ')}`,
      );
      const bf16 = label.includes('bfloat16');
      assert.equal(
        ops.includes('dim_order_ops::_to_dim_order_copy.out'),
        bf16,
        `${label}: constants are cast only when activations are not float32`,
      );
    }
  });
});
