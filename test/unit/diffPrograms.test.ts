import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { FileSource, MemorySource } from '../../runtime/format/byteSource';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { Program } from '../../runtime/format/pte/pteTypes';
import { diffLinkedPrograms } from '../../runtime/diff/linkedDiff';
import { LinkedProgramDiff, TensorDiff } from '../../runtime/diff/diffTypes';
import { diffPrograms } from '../../runtime/diff/programDiff';
import { realFixture, realFixtureNames } from './fixtures';

// Facts below were read with flatc's JSON dumps of the fixtures (schemas
// program.fbs and xnnpack.fbs, the XNNPACK payload cut out of its segment by
// hand), and the tensor figures computed with numpy from the bytes at the
// constant_segment offsets flatc reports; none of them come from our decoder.

const program = (name: string): Promise<Program> =>
  decodePte(new MemorySource(new Uint8Array(fs.readFileSync(realFixture(name))), name));

async function linked(a: string, b: string, dataA: string[] = [], dataB: string[] = []): Promise<LinkedProgramDiff> {
  const data = (names: string[]) =>
    Promise.all(names.map((n) => decodePtd(new MemorySource(new Uint8Array(fs.readFileSync(realFixture(n))), n))));
  return diffLinkedPrograms(
    { program: await program(a), dataFiles: await data(dataA) },
    { program: await program(b), dataFiles: await data(dataB) },
  );
}

function tensor(r: LinkedProgramDiff, key: string): TensorDiff {
  const t = r.tensors.find((x) => x.key === key);
  assert.ok(t, `no tensor ${key} in ${r.tensors.map((x) => x.key).join(', ')}`);
  return t;
}

function close(actual: number | null | undefined, expected: number, what: string): void {
  assert.ok(
    typeof actual === 'number' && Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} vs ${expected}`,
  );
}

describe('diff: programs', () => {
  it('two generations of the linear example: every call replaced, weights moved from a .ptd into the program', async () => {
    const r = await linked('et-2025-02-linear.pte', 'et-2026-08-linear-no-constant-segment.pte', [
      'et-2025-02-linear.ptd',
    ]);
    assert.equal(r.identical, false);
    const [m] = r.program.methods;
    assert.equal(m.name, 'forward');
    assert.equal(m.status, 'changed');
    assert.deepEqual(
      m.instructions.map((row) => [row.status, row.a?.target ?? null, row.b?.target ?? null]),
      [
        ['removed', 'aten::permute_copy.out', null],
        ['removed', 'aten::addmm.out', null],
        ['added', null, 'aten::mul.out'],
        ['added', null, 'aten::add.out'],
      ],
    );
    assert.deepEqual(m.instructionCounts, { identical: 0, changed: 0, added: 2, removed: 2 });
    assert.deepEqual(m.operators, {
      added: ['aten::mul.out', 'aten::add.out'],
      removed: ['aten::permute_copy.out', 'aten::addmm.out'],
    });
    assert.deepEqual(
      m.inputs.map((row) => [row.status, row.a?.type, row.b?.type]),
      [['changed', 'float32[3, 3]', 'float32[2, 2]']],
    );
    assert.deepEqual(
      m.outputs.map((row) => [row.a?.valueIndex, row.b?.valueIndex]),
      [[7, 4]],
    );
    // a: the two FQN keys of the .ptd; b: constant_buffer entries 1 and 2 (values 0 and 1), all 3.0 and all 2.0.
    assert.deepEqual(
      r.tensors.map((t) => [t.key, t.status, t.a?.origin ?? t.b?.origin]),
      [
        ['linear.weight', 'removed', 'dataFile'],
        ['linear.bias', 'removed', 'dataFile'],
        ['forward.values[0]', 'added', 'constant'],
        ['forward.values[1]', 'added', 'constant'],
      ],
    );
    assert.deepEqual(
      r.program.externalKeys.map((k) => [k.key, k.status]),
      [
        ['linear.weight', 'removed'],
        ['linear.bias', 'removed'],
      ],
    );
    assert.deepEqual(r.changedLayers, ['linear']);
    assert.ok(r.linkProblems.a.some((p) => /layout written before 2025-06-09/.test(p)));
  });

  it('two quantized conv layers of one shape: every constant moved, figures as numpy has them', async () => {
    const r = await linked('et-2026-02-conv2d-layer0.pte', 'et-2025-12-conv2d-quantized.pte');
    const [m] = r.program.methods;
    assert.deepEqual(m.instructionCounts, { identical: 0, changed: 3, added: 0, removed: 0 });
    assert.equal(m.alignment, 'myers');
    // quantize_per_tensor(input, scale, zero_point, …): scale and zero point differ, and the input shape.
    const q = m.instructions[0];
    assert.deepEqual(
      q.argumentChanges.map((c) => c.position),
      [0, 1, 2, 6, 7],
    );
    close(Number(q.argumentChanges[1].a), 0.026602208614349365, 'scale a');
    close(Number(q.argumentChanges[1].b), 0.030302170664072037, 'scale b');
    assert.deepEqual([q.argumentChanges[2].a, q.argumentChanges[2].b], ['-3', '-2']);
    assert.deepEqual(
      m.inputs.map((row) => [row.a?.type, row.b?.type]),
      [['float32[1, 3, 64, 64]', 'float32[1, 3, 224, 224]']],
    );

    const w = tensor(r, 'forward.values[0]');
    assert.deepEqual([w.a?.dtype, w.a?.shape, w.status], ['int8', [64, 3, 7, 7], 'changed']);
    assert.equal(w.metrics!.maxAbsDiff, 252);
    assert.equal(w.metrics!.changedElements, 9374);
    close(w.metrics!.meanAbsDiff, 85.85416666666667, 'weight mean |Δ|');
    close(w.metrics!.relL2, 1.4285373635984073, 'weight relative L2');
    close(w.metrics!.cosine, -0.016463259203127863, 'weight cosine');
    const bias = tensor(r, 'forward.values[1]');
    assert.equal(bias.a?.dtype, 'int32');
    assert.equal(bias.metrics!.maxAbsDiff, 8611);
    close(bias.metrics!.meanAbsDiff, 2897.171875, 'bias mean |Δ|');
    close(bias.metrics!.relL2, 1.411124888420568, 'bias relative L2');
    close(bias.metrics!.cosine, -0.029009816005728637, 'bias cosine');
    assert.equal(r.counts.bytesRead, 2 * (9408 + 256));
  });

  it('conv layer 0 against layer 5: same calls, other kernel, padding and weight shapes', async () => {
    const r = await linked('et-2026-02-conv2d-layer0.pte', 'et-2026-02-conv2d-layer5.pte');
    const conv = r.program.methods[0].instructions[1];
    assert.equal(conv.a?.target, 'cadence::quantized_conv2d_nchw.per_tensor_out');
    const at = (p: number) => conv.argumentChanges.find((c) => c.position === p);
    // arg 4 is the padding int list ([3, 3] → [1, 1]); arg 7 an int (-3 → 9); arg 3 (stride [2, 2]) is unchanged.
    assert.deepEqual([at(4)?.a, at(4)?.b], ['[3, 3]', '[1, 1]']);
    assert.deepEqual([at(7)?.a, at(7)?.b], ['-3', '9']);
    assert.equal(at(3), undefined);
    assert.deepEqual([at(1)?.a, at(1)?.b], ['%0: int8[64, 3, 7, 7] constant', '%0: int8[256, 128, 3, 3] constant']);
    const w = tensor(r, 'forward.values[0]');
    assert.deepEqual(w.changes, ['shape [64, 3, 7, 7] → [256, 128, 3, 3]', 'size 9.2 KiB → 288.0 KiB']);
    assert.equal(w.metrics, null);
    assert.deepEqual(tensor(r, 'forward.values[1]').changes.slice(0, 1), ['shape [64] → [256]']);
  });

  it('two XNNPACK programs: the delegate payload and its node list differ (Add → Multiply)', async () => {
    const r = await linked('enr-add.pte', 'enr-dynamic.pte');
    const [m] = r.program.methods;
    assert.deepEqual(
      m.inputs.map((row) => row.status),
      ['changed', 'removed'],
    );
    assert.equal(m.instructions.length, 1);
    assert.equal(m.instructions[0].a?.target, 'delegate XnnpackBackend');
    const [d] = m.delegates;
    assert.equal(d.status, 'changed');
    assert.deepEqual(
      [d.a?.backend, d.b?.backend, d.a?.payloadBytes, d.b?.payloadBytes],
      ['XnnpackBackend', 'XnnpackBackend', 432, 432],
    );
    assert.deepEqual([d.a?.nodeKinds, d.b?.nodeKinds], [['Add'], ['Multiply']]);
    assert.deepEqual(d.nodes, [
      { status: 'removed', a: 'Add', b: null },
      { status: 'added', a: null, b: 'Multiply' },
    ]);
    assert.equal(d.payloadIdentical, false);
  });

  it('the same add program from two exporters: same calls, other pytree syntax and memory plan', async () => {
    // flatc: the 2026-02 export writes JSON treespecs, the Apple test resource the compact C++ syntax,
    // and the two planned tensors at memory_offset_low 32 and 0 swap places.
    const r = await linked('et-2026-02-add.pte', 'et-2026-08-apple-add.pte');
    assert.equal(r.identical, false);
    const [m] = r.program.methods;
    assert.deepEqual(m.instructionCounts, { identical: 1, changed: 0, added: 0, removed: 0 });
    const prop = (name: string) => m.properties.find((p) => p.name === name)!;
    assert.equal(prop('input spec').b, 'T2#2#0(T2#1#1($,$),D0())');
    assert.match(prop('input spec').a, /^\[1, \{"type": "builtins.tuple"/);
    assert.deepEqual([prop('output spec').status, prop('output spec').b], ['changed', '$']);
    assert.deepEqual(prop('planned tensors of aligned calls'), {
      name: 'planned tensors of aligned calls',
      a: '3 compared',
      b: '2 at another offset',
      status: 'changed',
    });
    assert.equal(prop('memory arenas').status, 'identical');
  });

  it('every real program against itself is identical, read or not', async function () {
    this.timeout(120_000);
    for (const name of realFixtureNames('.pte').filter((n) => n !== 'djl-corrupt.pte')) {
      // Two sources for one path: known to be one file, nothing is read.
      const [a, b] = [await FileSource.open(realFixture(name)), await FileSource.open(realFixture(name))];
      try {
        const pa = await decodePte(a);
        const pb = await decodePte(b);
        const shared = await diffLinkedPrograms({ program: pa, dataFiles: [] }, { program: pb, dataFiles: [] });
        assert.equal(shared.identical, true, name);
        assert.equal(shared.counts.bytesRead, 0, name);
        // Two in-memory copies: nothing says they are one file, so every byte is compared.
        const copy = (p: Program) =>
          decodePte(new MemorySource(new Uint8Array(fs.readFileSync(realFixture(name))), p.source.name));
        const read = await diffLinkedPrograms(
          { program: await copy(pa), dataFiles: [] },
          { program: await copy(pb), dataFiles: [] },
        );
        assert.equal(read.identical, true, name);
        // External tensors without their .ptd have no bytes to compare.
        assert.ok(
          read.tensors.every(
            (t) => t.status === 'identical' && (t.a?.origin === 'missing' || t.bytesIdentical === true),
          ),
          name,
        );
        assert.ok(
          read.program.methods.every((m) => m.delegates.every((d) => d.payloadIdentical === true)),
          name,
        );
        const stored =
          read.tensors.some((t) => t.a!.bytes > 0 && t.a!.origin !== 'missing') ||
          read.program.methods.some((m) => m.delegates.length > 0);
        assert.equal(read.counts.bytesRead > 0, stored, name);
      } finally {
        await a.close();
        await b.close();
      }
    }
  });

  it('diffPrograms alone compares structure and delegate payloads, not tensors', async () => {
    const r = await diffPrograms(
      await program('et-2026-02-conv2d-layer0.pte'),
      await program('et-2025-12-conv2d-quantized.pte'),
    );
    assert.equal(r.kind, 'program');
    assert.equal(r.identical, false);
    assert.deepEqual(
      r.properties.find((p) => p.name === 'file size'),
      { name: 'file size', a: '11.8 KiB', b: '11.8 KiB', status: 'identical' },
    );
    const self = await diffPrograms(await program('enr-add.pte'), await program('enr-add.pte'));
    assert.equal(self.identical, true);
  });
});
