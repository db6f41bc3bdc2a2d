import * as assert from 'node:assert/strict';
import { ProtocolError } from '../../runtime/protocol/editorMessages';
import { parseInputChoice, parseRunTarget, parseRunWebviewMessage } from '../../runtime/protocol/runViewMessages';

/** What the host accepts from a run view, and what it refuses before acting. */
describe('run view protocol', () => {
  it("accepts the run view's messages and keeps only their known fields", () => {
    assert.deepEqual(parseRunWebviewMessage({ type: 'ready', extra: 1 }), { type: 'ready' });
    assert.deepEqual(parseRunWebviewMessage({ type: 'runAgain', steps: true }), { type: 'runAgain', steps: true });
    assert.deepEqual(parseRunWebviewMessage({ type: 'save', format: 'npy' }), { type: 'save', format: 'npy' });
    assert.deepEqual(parseRunWebviewMessage({ type: 'revealInstruction', index: 7 }), {
      type: 'revealInstruction',
      index: 7,
    });
    assert.deepEqual(parseRunWebviewMessage({ type: 'painted', outputs: 2, error: null }), {
      type: 'painted',
      outputs: 2,
      error: null,
    });
  });

  it('refuses malformed messages', () => {
    for (const bad of [
      null,
      'ready',
      [],
      { type: 'exec' },
      { type: 'runAgain' },
      { type: 'runAgain', steps: 'yes' },
      { type: 'save', format: 'exe' },
      { type: 'revealInstruction', index: -1 },
      { type: 'revealInstruction', index: 1.5 },
      { type: 'painted', outputs: 1, error: 'x'.repeat(5000) },
    ]) {
      assert.throws(() => parseRunWebviewMessage(bad), ProtocolError, JSON.stringify(bad));
    }
  });

  it("checks run targets kept in a restored view's state", () => {
    const target = { programUri: 'file:///w/model.pte', method: 'forward', choice: { kind: 'random', seed: 3 } };
    assert.deepEqual(parseRunTarget(target), target);
    assert.deepEqual(parseInputChoice({ kind: 'npy', files: ['/a.npy', '/b.npy'] }), {
      kind: 'npy',
      files: ['/a.npy', '/b.npy'],
    });
    assert.deepEqual(parseInputChoice({ kind: 'bundled', index: 2 }), { kind: 'bundled', index: 2 });
    for (const bad of [
      { kind: 'random' },
      { kind: 'random', seed: 2 ** 33 },
      { kind: 'json' },
      { kind: 'npy', files: [1] },
      { kind: 'npy', files: 'a.npy' },
      { kind: 'shell' },
    ]) {
      assert.throws(() => parseInputChoice(bad), ProtocolError, JSON.stringify(bad));
    }
    assert.throws(() => parseRunTarget({ programUri: 'x', choice: { kind: 'zeros' } }), ProtocolError);
  });
});
