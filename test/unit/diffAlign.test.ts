import * as assert from 'node:assert/strict';
import { AlignStep, alignSequences } from '../../runtime/diff/align';

/** Length of a longest common subsequence, by the textbook dynamic programme. */
function lcsLength(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++)
      dp[i][j] = a[i - 1] === b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
  }
  return dp[a.length][b.length];
}

/** Every index of both sides appears once, in order, and matches pair equal items. */
function checkSteps(a: string[], b: string[], steps: AlignStep[]): void {
  let i = 0;
  let j = 0;
  for (const s of steps) {
    if (s.kind === 'match') {
      assert.equal(s.a, i++);
      assert.equal(s.b, j++);
      assert.equal(a[s.a], b[s.b]);
    } else if (s.kind === 'remove') {
      assert.equal(s.a, i++);
    } else {
      assert.equal(s.b, j++);
    }
  }
  assert.equal(i, a.length);
  assert.equal(j, b.length);
}

/** A small deterministic generator (xorshift), so failures reproduce. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('diff: alignSequences', () => {
  it('matches everything in identical sequences', () => {
    const a = ['aten::mul.out', 'aten::add.out', 'free'];
    const r = alignSequences(a, [...a]);
    assert.deepEqual(r.steps, [
      { kind: 'match', a: 0, b: 0 },
      { kind: 'match', a: 1, b: 1 },
      { kind: 'match', a: 2, b: 2 },
    ]);
    assert.equal(r.method, 'myers');
  });

  it('finds a shortest edit script for the example of Myers (1986)', () => {
    const a = [...'ABCABBA'];
    const b = [...'CBABAC'];
    const r = alignSequences(a, b);
    checkSteps(a, b, r.steps);
    // The paper's example has an LCS of 4, so 3 deletions and 2 insertions.
    assert.equal(r.steps.filter((s) => s.kind === 'match').length, 4);
    assert.equal(r.steps.filter((s) => s.kind === 'remove').length, 3);
    assert.equal(r.steps.filter((s) => s.kind === 'add').length, 2);
  });

  it('places an inserted call between unchanged ones', () => {
    const a = ['permute', 'mm', 'add'];
    const b = ['permute', 'mm', 'permute', 'mm', 'add'];
    const r = alignSequences(a, b);
    checkSteps(a, b, r.steps);
    assert.deepEqual(
      r.steps.filter((s) => s.kind !== 'match'),
      [
        { kind: 'add', b: 2 },
        { kind: 'add', b: 3 },
      ],
    );
  });

  it('aligns one empty side as all additions or all removals', () => {
    assert.deepEqual(alignSequences([], ['x', 'y']).steps, [
      { kind: 'add', b: 0 },
      { kind: 'add', b: 1 },
    ]);
    assert.deepEqual(alignSequences(['x'], []).steps, [{ kind: 'remove', a: 0 }]);
    assert.deepEqual(alignSequences([], []).steps, []);
  });

  it('matches as many items as a longest common subsequence has (400 random pairs)', () => {
    const next = random(7);
    for (let n = 0; n < 400; n++) {
      const alphabet = 1 + Math.floor(next() * 5);
      const make = () =>
        Array.from({ length: Math.floor(next() * 30) }, () => String.fromCharCode(65 + Math.floor(next() * alphabet)));
      const a = make();
      const b = make();
      const r = alignSequences(a, b);
      checkSteps(a, b, r.steps);
      assert.equal(r.steps.filter((s) => s.kind === 'match').length, lcsLength(a, b), `${a.join('')} / ${b.join('')}`);
    }
  });

  it('pairs by position when the edit distance exceeds the bound, still covering every item', () => {
    const a = ['x', 'a', 'b', 'c', 'd', 'y'];
    const b = ['x', 'e', 'c', 'f', 'g', 'h', 'y'];
    const r = alignSequences(a, b, 3);
    assert.equal(r.method, 'positional');
    checkSteps(a, b, r.steps);
    // The common head and tail are still matched.
    assert.deepEqual(r.steps[0], { kind: 'match', a: 0, b: 0 });
    assert.deepEqual(r.steps[r.steps.length - 1], { kind: 'match', a: 5, b: 6 });
    assert.equal(alignSequences(a, b).method, 'myers');
  });

  it('stays fast on long sequences with few edits', () => {
    const a = Array.from({ length: 100_000 }, (_, i) => `op${i % 7}`);
    const b = [...a.slice(0, 50_000), 'inserted', ...a.slice(50_000, 99_990)];
    const started = Date.now();
    const r = alignSequences(a, b);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
    assert.equal(r.method, 'myers');
    assert.equal(r.steps.filter((s) => s.kind !== 'match').length, 11);
  });
});
