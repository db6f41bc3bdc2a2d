import * as assert from 'node:assert/strict';
import { seededRandom } from '../../runtime/exec/randomInputs';
import { MemorySource, withFile } from '../../runtime/format/byteSource';
import { decodeDelegatePayloads, DelegatePayload } from '../../runtime/format/delegatePayloads';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { Method, Program } from '../../runtime/format/pte/pteTypes';
import { writePte } from '../../runtime/format/writer/writePte';
import { generateRandomProgram } from '../../runtime/samples/randomProgram/randomProgram';
import { methodGraph } from '../../runtime/view/graphBuild';
import { methodMemoryPlan } from '../../runtime/view/memoryPlan';
import { planViews } from '../../runtime/view/planViews';
import { InstructionAccess, methodAccesses } from '../../runtime/view/valueAccess';
import { buildQwenShapedProgram } from '../../scripts/bench/qwenShapedProgram';
import { buildSyntheticProgram } from '../../scripts/bench/syntheticProgram';
import { readPortableOperators } from '../../scripts/verify/portableOperators';
import { realFixture, realFixtureNames } from './fixtures';
import { referenceMethodAccesses, referenceMethodGraph, referenceViews } from './graphBuildReference';

interface Case {
  name: string;
  program: Program;
  payloads: DelegatePayload[];
}

async function decoded(name: string, bytes: Uint8Array): Promise<Case> {
  const program = await decodePte(new MemorySource(bytes, name));
  return { name, program, payloads: await decodeDelegatePayloads(program) };
}

/** Real programs, the Qwen-shaped decoders, synthetic programs and random programs (views, buffers, KV caches, XNNPACK). */
async function cases(): Promise<Case[]> {
  const list: Case[] = [];
  for (const name of realFixtureNames('.pte').filter((f) => f !== 'djl-corrupt.pte')) {
    list.push(
      await withFile(realFixture(name), async (s) => {
        const program = await decodePte(s);
        return { name, program, payloads: await decodeDelegatePayloads(program) };
      }),
    );
  }
  list.push(await decoded('qwen tiny', buildQwenShapedProgram('portable', 'tiny')));
  list.push(await decoded('qwen', buildQwenShapedProgram('portable')));
  list.push(await decoded('synthetic 3000', buildSyntheticProgram({ instructions: 3000, seed: 9 })));
  list.push(await decoded('synthetic 20000', buildSyntheticProgram({ instructions: 20_000 })));
  const portable = readPortableOperators();
  for (let seed = 1; seed <= 40; seed++)
    list.push(await decoded(`random ${seed}`, writePte(generateRandomProgram(seed, portable).pte)));
  return list;
}

/** The views `methodMemoryPlan` marks, as `planViews` gives them (-1: none). */
function planViewOf(method: Method, m: number, payloads: DelegatePayload[], accesses: InstructionAccess[]): Int32Array {
  const viewOf = new Int32Array(method.values.length).fill(-1);
  for (const arena of methodMemoryPlan(method, m, payloads, accesses).arenas)
    for (const t of arena.tensors) if (t.viewOf !== null) viewOf[t.value] = t.viewOf;
  return viewOf;
}

/** Moves most planned tensors to random offsets of two small arenas, so that many overlap. */
function pack(method: Method, random: () => number): void {
  for (const v of method.values) {
    const allocation = v.kind === 'tensor' ? v.tensor.allocation : null;
    if (allocation && random() < 0.9) {
      allocation.offset = Math.floor(random() * 4096);
      allocation.memoryId = 1 + Math.floor(random() * 2);
    }
  }
}

describe('the graph on typed arrays is the graph on maps of ids', () => {
  let all: Case[] = [];
  before(async function () {
    this.timeout(120_000);
    all = await cases();
  });

  it('methodAccesses and methodGraph equal the first-written ones on every method of real, shaped, synthetic and random programs', function () {
    this.timeout(120_000);
    let methods = 0;
    for (const c of all) {
      const backing = new Map<string, string>();
      c.program.methods.forEach((method, m) => {
        // Half the external tensors backed by a data file.
        for (const v of method.values)
          if (
            v.kind === 'tensor' &&
            v.tensor.kind === 'external' &&
            v.tensor.fullyQualifiedName &&
            backing.size % 2 === 0
          )
            backing.set(v.tensor.fullyQualifiedName, 'weights.ptd');
        assert.deepStrictEqual(
          methodAccesses(method, c.payloads, m),
          referenceMethodAccesses(method, c.payloads, m),
          `${c.name} method ${m}: accesses`,
        );
        const expected = referenceMethodGraph(method, m, c.payloads, { backing });
        assert.deepStrictEqual(methodGraph(method, m, c.payloads, { backing }), expected, `${c.name} method ${m}`);
        methods++;
      });
    }
    assert.ok(methods >= all.length);
  });

  it('planViews and the memory plan find the views tensor-against-tensor finds, also in arenas packed at random so that many values overlap', function () {
    this.timeout(120_000);
    const random = seededRandom(3);
    let views = 0;
    for (const c of all) {
      c.program.methods.forEach((method, m) => {
        const accesses = methodAccesses(method, c.payloads, m);
        const expected = referenceViews(method, accesses);
        assert.deepStrictEqual(planViews(method, accesses), expected, `${c.name} method ${m}`);
        assert.deepStrictEqual(planViewOf(method, m, c.payloads, accesses), expected, `${c.name} method ${m}: plan`);
        views += expected.filter((v) => v >= 0).length;
      });
    }
    assert.ok(views > 0, 'some programs have views');
    // Move planned tensors to random offsets of small arenas: a value read before it is written now has many
    // overlapping candidates for its base, written at different times.
    let moved = 0;
    for (const c of all.filter((x) => !x.name.startsWith('synthetic 2'))) {
      c.program.methods.forEach((method, m) => {
        const accesses = methodAccesses(method, c.payloads, m);
        const before = referenceViews(method, accesses);
        pack(method, random);
        const expected = referenceViews(method, accesses);
        assert.deepStrictEqual(planViews(method, accesses), expected, `${c.name} packed`);
        moved += expected.filter((v, k) => v !== before[k]).length;
      });
    }
    assert.ok(moved > 50, `${moved} views with another base (or none) once packed`);
  });

  it('planViews and the memory plan equal tensor-against-tensor on random accesses (several writes per instruction: ties between bases)', () => {
    const random = seededRandom(8);
    let views = 0;
    for (const c of all.filter((x) => x.name.startsWith('random') || x.name === 'qwen tiny')) {
      const method = c.program.methods[0];
      pack(method, random);
      const n = method.values.length;
      for (let round = 0; round < 20; round++) {
        const some = () => Array.from({ length: Math.floor(random() * 8) }, () => Math.floor(random() * n));
        const accesses = Array.from({ length: 1 + Math.floor(random() * 12) }, () => {
          const writes = [...new Set(some())];
          return { writes, reads: [...new Set(some())].filter((v) => !writes.includes(v)) };
        });
        const expected = referenceViews(method, accesses);
        assert.deepStrictEqual(planViews(method, accesses), expected, `${c.name} round ${round}`);
        assert.deepStrictEqual(planViewOf(method, 0, c.payloads, accesses), expected, `${c.name} round ${round}: plan`);
        views += expected.filter((v) => v >= 0).length;
      }
    }
    assert.ok(views > 100, `${views} views`);
  });
});
