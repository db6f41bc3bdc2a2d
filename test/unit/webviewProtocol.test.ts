import * as assert from 'node:assert/strict';
import { MAX_ROWS, MAX_STRING, parseRevealTarget, parseWebviewMessage, ProtocolError } from '../../webview/protocol';

/** The first-paint timestamps the open benchmark reads (epoch ms). */
const MARKS = {
  documentStart: 1000,
  readySent: 1010,
  scriptStart: 1005,
  initReceived: 1030,
  rendered: 1100,
  painted: 1120,
};

const rejects = (raw: unknown, reason: RegExp) =>
  assert.throws(
    () => parseWebviewMessage(raw),
    (e: unknown) => e instanceof ProtocolError && reason.test(e.message),
  );

describe('webview protocol: messages from a webview', () => {
  it('accepts each message type and keeps only the known fields', () => {
    assert.deepEqual(parseWebviewMessage({ id: 1, body: { type: 'ready', extra: 'dropped' } }), {
      id: 1,
      body: { type: 'ready' },
    });
    assert.deepEqual(
      parseWebviewMessage({
        id: 2,
        body: { type: 'rows', table: 'values', method: 0, start: 200, count: 200, filter: 'float' },
      }).body,
      { type: 'rows', table: 'values', method: 0, start: 200, count: 200, filter: 'float' },
    );
    assert.deepEqual(parseWebviewMessage({ id: 3, body: { type: 'tensorPreview', key: 'a', dtype: null } }).body, {
      type: 'tensorPreview',
      key: 'a',
      dtype: null,
    });
    assert.deepEqual(
      parseWebviewMessage({
        id: 4,
        body: { type: 'selected', target: { kind: 'instruction', method: 1, index: 7, x: 1 } },
      }).body,
      { type: 'selected', target: { kind: 'instruction', method: 1, index: 7 } },
    );
    assert.deepEqual(
      parseWebviewMessage({ id: 5, body: { type: 'command', command: 'goToBackingTensor', key: 'w', path: null } })
        .body,
      { type: 'command', command: 'goToBackingTensor', key: 'w', path: null },
    );
    assert.deepEqual(parseWebviewMessage({ id: 6, body: { type: 'painted', ms: 12.5, error: null } }).body, {
      type: 'painted',
      ms: 12.5,
      error: null,
    });
    assert.deepEqual(
      parseWebviewMessage({ id: 7, body: { type: 'painted', ms: 12.5, error: null, marks: { ...MARKS, extra: 1 } } })
        .body,
      { type: 'painted', ms: 12.5, error: null, marks: MARKS },
    );
    assert.deepEqual(parseWebviewMessage({ id: 8, body: { type: 'memoryPlan', method: 2, x: 1 } }).body, {
      type: 'memoryPlan',
      method: 2,
    });
    const open = { delegates: ['i3'], blocks: [0, 2], chunks: [250] };
    assert.deepEqual(parseWebviewMessage({ id: 9, body: { type: 'graph', method: 0, open } }).body, {
      type: 'graph',
      method: 0,
      open,
    });
  });

  it('rejects what the protocol does not allow', () => {
    rejects(null, /message is not an object/);
    rejects({ id: -1, body: { type: 'ready' } }, /^id must be/);
    rejects({ id: 1.5, body: { type: 'ready' } }, /^id must be/);
    rejects({ id: 1, inReplyTo: 0, body: { type: 'ready' } }, /answer no requests/);
    rejects({ id: 1, body: { type: 'runProgram' } }, /^type must be one of/);
    rejects({ id: 1, body: { type: 'rows', table: 'operators', method: 0, start: 0, count: 1, filter: '' } }, /^table/);
    rejects(
      { id: 1, body: { type: 'rows', table: 'values', method: 0, start: 0, count: MAX_ROWS + 1, filter: '' } },
      /^count/,
    );
    rejects({ id: 1, body: { type: 'rows', table: 'values', method: '0', start: 0, count: 1, filter: '' } }, /^method/);
    rejects({ id: 1, body: { type: 'tensorPreview', key: 'k'.repeat(MAX_STRING + 1), dtype: null } }, /^key/);
    rejects({ id: 1, body: { type: 'command', command: 'executeCommand', key: null, path: null } }, /^command/);
    rejects({ id: 1, body: { type: 'painted', ms: Infinity, error: null } }, /^ms/);
    rejects({ id: 1, body: { type: 'graph', method: -1 } }, /^method/);
    rejects({ id: 1, body: { type: 'graph', method: 0 } }, /^open is not an object/);
    rejects(
      { id: 1, body: { type: 'graph', method: 0, open: { delegates: [], blocks: [-1], chunks: [] } } },
      /^open\.blocks/,
    );
    rejects(
      { id: 1, body: { type: 'graph', method: 0, open: { delegates: [3], blocks: [], chunks: [] } } },
      /^open\.delegates/,
    );
    rejects({ id: 1, body: { type: 'graph', method: 0, open: { delegates: [], blocks: [] } } }, /^open\.chunks/);
    rejects({ id: 1, body: { type: 'memoryPlan' } }, /^method/);
    rejects({ id: 1, body: { type: 'painted', ms: 1 } }, /^error/);
    rejects(
      { id: 1, body: { type: 'painted', ms: 1, error: null, marks: { ...MARKS, rendered: -1 } } },
      /^marks\.rendered/,
    );
    rejects(
      { id: 1, body: { type: 'painted', ms: 1, error: null, marks: { ...MARKS, painted: undefined } } },
      /^marks\.painted/,
    );
    rejects({ id: 1, body: { type: 'painted', ms: 1, error: null, marks: [] } }, /^marks is not an object/);
    rejects({ id: 1, body: { type: 'selected', target: { kind: 'tensor' } } }, /^key/);
    assert.throws(() => parseRevealTarget({ kind: 'file', path: '/etc/passwd' }), ProtocolError);
  });
});
