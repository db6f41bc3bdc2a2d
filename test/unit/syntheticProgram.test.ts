import * as assert from 'node:assert/strict';
import { MemorySource } from '../../runtime/format/byteSource';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { buildSyntheticProgram, SYNTHETIC_OPERATORS } from '../../scripts/bench/syntheticProgram';

describe('synthetic benchmark program', () => {
  it('decodes with the instruction count, operators and value kinds it was built with', async () => {
    const bytes = buildSyntheticProgram({ instructions: 2_000, seed: 7 });
    const program = await decodePte(new MemorySource(bytes, 'synthetic.pte'));
    assert.equal(program.identifier, 'ET12');
    assert.ok(program.header, 'has an extended header');
    assert.equal(program.methods.length, 1);
    const [method] = program.methods;
    assert.equal(method.name, 'forward');
    assert.deepEqual(
      method.operators.map((o) => o.qualifiedName),
      SYNTHETIC_OPERATORS.map((o) => `${o.name}.${o.overload}`),
    );
    assert.equal(method.chains.length, 1);
    const instructions = method.chains[0].instructions;
    assert.equal(instructions.length, 2_000);
    for (const ins of instructions) {
      assert.equal(ins.kind, 'kernel');
      if (ins.kind !== 'kernel') continue;
      assert.ok(ins.opIndex >= 0 && ins.opIndex < method.operators.length);
      assert.ok(ins.args.every((a) => a >= 0 && a < method.values.length));
    }
    const argCount = instructions.reduce((s, i) => s + (i.kind === 'kernel' ? i.args.length : 0), 0);
    assert.ok(
      argCount / instructions.length > 4 && argCount / instructions.length < 6,
      `about 5 args per call, got ${argCount / instructions.length}`,
    );
    const kinds = new Set(method.values.map((v) => v.kind));
    for (const k of ['tensor', 'int', 'bool', 'double', 'null', 'intList'])
      assert.ok(kinds.has(k as never), `has ${k} values`);
    const tensorKinds = new Set(method.values.flatMap((v) => (v.kind === 'tensor' ? [v.tensor.kind] : [])));
    assert.ok(tensorKinds.has('constant') && tensorKinds.has('planned'));
    const constant = method.values.find((v) => v.kind === 'tensor' && v.tensor.kind === 'constant');
    assert.ok(constant && constant.kind === 'tensor' && constant.tensor.data, 'constant tensors have a data range');
    const intList = method.values.find((v) => v.kind === 'intList');
    assert.ok(
      intList && intList.kind === 'intList' && intList.resolved.every((r) => r !== null),
      'int list items resolve to ints',
    );
    assert.equal(method.delegates.length, 3);
    assert.deepEqual(
      method.delegates.map((d) => d.location),
      ['inline', 'segment', 'inline'],
    );
    assert.ok(method.delegates.every((d) => d.data !== null && d.compileSpecs.length === 2));
  });

  it('is deterministic per seed and valid without an extended header', async () => {
    assert.deepEqual(
      buildSyntheticProgram({ instructions: 300, seed: 3 }),
      buildSyntheticProgram({ instructions: 300, seed: 3 }),
    );
    const bytes = buildSyntheticProgram({ instructions: 300, seed: 3, extendedHeader: false });
    const program = await decodePte(new MemorySource(bytes));
    assert.equal(program.header, null);
    assert.equal(program.methods[0].chains[0].instructions.length, 300);
  });
});
