import * as assert from 'node:assert/strict';
import { parseCompareMessage } from '../../runtime/protocol/compareMessages';
import { MAX_ROWS, parseEditorMessage, parseRevealTarget } from '../../runtime/protocol/editorMessages';
import { answers, Envelopes, parseSent, PendingReplies } from '../../runtime/protocol/envelope';
import { installProbe, probeMark } from '../../runtime/protocol/probe';
import { parseInputChoice, parseRunTarget, parseRunViewMessage } from '../../runtime/protocol/runViewMessages';
import { int, MAX_STRING, object, ProtocolError } from '../../runtime/protocol/validate';

/** What the open benchmark reads from a page (epoch ms). */
const MARKS = {
  documentStart: 1000,
  readySent: 1010,
  scriptStart: 1005,
  initReceived: 1030,
  rendered: 1100,
  painted: 1120,
};

const refuses = (parse: (raw: unknown) => unknown, raw: unknown, reason: RegExp) =>
  assert.throws(
    () => parse(raw),
    (e: unknown) => e instanceof ProtocolError && reason.test(e.message),
    JSON.stringify(raw),
  );

describe('protocol: the one envelope', () => {
  it('numbers a side’s messages and answers a request with ok or an error, naming it', () => {
    const e = new Envelopes();
    assert.deepEqual(e.sent({ type: 'ready' }), { id: 1, body: { type: 'ready' } });
    assert.deepEqual(e.progress(7, 'half'), { id: 2, inReplyTo: 7, progress: 'half' });
    assert.deepEqual(e.ok(7, 42), { id: 3, inReplyTo: 7, ok: true, result: 42 });
    assert.deepEqual(e.failed(7, { message: 'no' }), { id: 4, inReplyTo: 7, ok: false, error: { message: 'no' } });
    assert.equal(answers(e.sent(1)), false);
    assert.equal(answers(e.ok(1, null)), true);
  });

  it('settles each waiting request once, passes progress on, and converts errors the conversation’s way', async () => {
    const pending = new PendingReplies<{ message: string; kind: string }>(
      (error, id) => new Error(`${error.kind} ${id}: ${error.message}`),
    );
    const lines: string[] = [];
    const a = pending.wait(1, (l) => lines.push(l));
    const b = pending.wait(2);
    const c = pending.wait(3);
    assert.equal(pending.settle({ id: 1, inReplyTo: 1, progress: 'working' }), true);
    assert.equal(pending.settle({ id: 2, inReplyTo: 1, ok: true, result: 'a' }), true);
    assert.equal(pending.settle({ id: 3, inReplyTo: 1, ok: true, result: 'again' }), false, 'a second reply');
    assert.equal(pending.settle({ id: 4, inReplyTo: 9, ok: true, result: 'x' }), false, 'no such request');
    pending.settle({ id: 5, inReplyTo: 2, ok: false, error: { message: 'bad input', kind: 'invalidInput' } });
    pending.rejectAll(new Error('gone'));
    assert.equal(await a, 'a');
    assert.deepEqual(lines, ['working']);
    await assert.rejects(b, /^Error: invalidInput 2: bad input$/);
    await assert.rejects(c, /^Error: gone$/);
    assert.equal(pending.size, 0);
  });

  it('refuses from a page anything but a request or event with an id', () => {
    const parse = (raw: unknown) => parseSent(raw, (body) => object(body, 'message body'));
    refuses(parse, null, /^message is not an object/);
    refuses(parse, [], /^message is not an object/);
    refuses(parse, { id: -1, body: {} }, /^id must be/);
    refuses(parse, { id: 1.5, body: {} }, /^id must be/);
    refuses(parse, { id: 1, inReplyTo: 0, ok: true, body: {} }, /answer no requests/);
    refuses(parse, { id: 1 }, /^message body is not an object/);
    assert.deepEqual(parse({ id: 3, body: { a: 1 }, extra: 2 }), { id: 3, body: { a: 1 } });
    assert.equal(int({ n: 5 }, 'n', 5), 5);
    refuses(() => int({ n: 6 }, 'n', 5), null, /^n must be an integer in \[0, 5\]/);
  });
});

describe('protocol: editor pages', () => {
  const parse = parseEditorMessage;
  it('accepts each message type and keeps only the known fields', () => {
    assert.deepEqual(parse({ id: 1, body: { type: 'ready', extra: 'dropped' } }), { id: 1, body: { type: 'ready' } });
    assert.deepEqual(
      parse({ id: 2, body: { type: 'rows', table: 'values', method: 0, start: 200, count: 200, filter: 'float' } })
        .body,
      { type: 'rows', table: 'values', method: 0, start: 200, count: 200, filter: 'float' },
    );
    assert.deepEqual(parse({ id: 3, body: { type: 'tensorPreview', key: 'a', dtype: null } }).body, {
      type: 'tensorPreview',
      key: 'a',
      dtype: null,
    });
    assert.deepEqual(
      parse({ id: 4, body: { type: 'selected', target: { kind: 'instruction', method: 1, index: 7, x: 1 } } }).body,
      { type: 'selected', target: { kind: 'instruction', method: 1, index: 7 } },
    );
    assert.deepEqual(
      parse({ id: 5, body: { type: 'command', command: 'goToBackingTensor', key: 'w', index: null } }).body,
      { type: 'command', command: 'goToBackingTensor', key: 'w', index: null },
    );
    assert.deepEqual(
      parse({ id: 6, body: { type: 'command', command: 'openDataFile', key: null, index: 2, path: '/etc/x' } }).body,
      { type: 'command', command: 'openDataFile', key: null, index: 2 },
      'a path the page adds is dropped; the host opens what it listed at index 2',
    );
    assert.deepEqual(parse({ id: 7, body: { type: 'painted', error: null, ms: 12.5 } }).body, {
      type: 'painted',
      error: null,
    });
    assert.deepEqual(parse({ id: 8, body: { type: 'marks', marks: { ...MARKS, extra: 1 } } }).body, {
      type: 'marks',
      marks: MARKS,
    });
    assert.deepEqual(parse({ id: 9, body: { type: 'memoryPlan', method: 2, x: 1 } }).body, {
      type: 'memoryPlan',
      method: 2,
    });
    const open = { delegates: ['i3'], blocks: [0, 2], chunks: [250] };
    assert.deepEqual(parse({ id: 10, body: { type: 'graph', method: 0, open } }).body, {
      type: 'graph',
      method: 0,
      open,
    });
    assert.deepEqual(parse({ id: 11, body: { type: 'xnnpackGraph', method: 0, delegate: 1 } }).body, {
      type: 'xnnpackGraph',
      method: 0,
      delegate: 1,
    });
  });

  it('refuses what the protocol does not allow', () => {
    refuses(parse, { id: 1, body: { type: 'runProgram' } }, /^type must be one of/);
    refuses(
      parse,
      { id: 1, body: { type: 'rows', table: 'operators', method: 0, start: 0, count: 1, filter: '' } },
      /^table/,
    );
    refuses(
      parse,
      { id: 1, body: { type: 'rows', table: 'values', method: 0, start: 0, count: MAX_ROWS + 1, filter: '' } },
      /^count/,
    );
    refuses(
      parse,
      { id: 1, body: { type: 'rows', table: 'values', method: '0', start: 0, count: 1, filter: '' } },
      /^method/,
    );
    refuses(parse, { id: 1, body: { type: 'tensorPreview', key: 'k'.repeat(MAX_STRING + 1), dtype: null } }, /^key/);
    refuses(parse, { id: 1, body: { type: 'command', command: 'executeCommand', key: null, index: null } }, /^command/);
    refuses(
      parse,
      { id: 1, body: { type: 'command', command: 'openDataFile', key: null, path: '/etc/passwd' } },
      /^index/,
      // a page that names a path instead of an index of the host's list
    );
    refuses(parse, { id: 1, body: { type: 'command', command: 'openDataFile', key: null, index: -1 } }, /^index/);
    refuses(parse, { id: 1, body: { type: 'command', command: 'clearLastRun', key: null, index: '0' } }, /^index/);
    refuses(parse, { id: 1, body: { type: 'graph', method: -1 } }, /^method/);
    refuses(parse, { id: 1, body: { type: 'graph', method: 0 } }, /^open is not an object/);
    refuses(
      parse,
      { id: 1, body: { type: 'graph', method: 0, open: { delegates: [], blocks: [-1], chunks: [] } } },
      /^open\.blocks/,
    );
    refuses(
      parse,
      { id: 1, body: { type: 'graph', method: 0, open: { delegates: [3], blocks: [], chunks: [] } } },
      /^open\.delegates/,
    );
    refuses(parse, { id: 1, body: { type: 'graph', method: 0, open: { delegates: [], blocks: [] } } }, /^open\.chunks/);
    refuses(parse, { id: 1, body: { type: 'memoryPlan' } }, /^method/);
    refuses(parse, { id: 1, body: { type: 'painted' } }, /^error/);
    refuses(parse, { id: 1, body: { type: 'marks', marks: { ...MARKS, rendered: -1 } } }, /^marks\.rendered/);
    refuses(parse, { id: 1, body: { type: 'marks', marks: { ...MARKS, painted: undefined } } }, /^marks\.painted/);
    refuses(parse, { id: 1, body: { type: 'marks', marks: [] } }, /^marks is not an object/);
    refuses(parse, { id: 1, body: { type: 'selected', target: { kind: 'tensor' } } }, /^key/);
    refuses(parse, { id: 1, body: { type: 'lastRun', method: 0, run: null } }, /^type/);
    refuses(parseRevealTarget, { kind: 'file', path: '/etc/passwd' }, /^kind/);
  });
});

describe('protocol: the compare page', () => {
  it('accepts a row by the index of its reveal pair and refuses any other', () => {
    assert.deepEqual(parseCompareMessage({ id: 1, body: { type: 'reveal', reveal: 2, extra: 'dropped' } }, 3), {
      id: 1,
      body: { type: 'reveal', reveal: 2 },
    });
    assert.deepEqual(parseCompareMessage({ id: 2, body: { type: 'painted', rows: 10 } }, 0).body, {
      type: 'painted',
      rows: 10,
    });
    assert.deepEqual(parseCompareMessage({ id: 3, body: { type: 'ready' } }, 0).body, { type: 'ready' });
    const parse = (raw: unknown) => parseCompareMessage(raw, 3);
    refuses(parse, { id: 1, body: { type: 'reveal', reveal: 3 } }, /^reveal must be below 3/);
    refuses(parse, { id: 1, body: { type: 'reveal', reveal: -1 } }, /^reveal/);
    refuses(parse, { id: 1, body: { type: 'openFile', path: '/etc/passwd' } }, /^type/);
    refuses(parse, { id: 1, body: { type: 'painted', rows: '1' } }, /^rows/);
    refuses(parse, { id: 1, inReplyTo: 1, body: { type: 'ready' } }, /answer no requests/);
  });
});

describe('protocol: the run view', () => {
  const body = (b: unknown) => parseRunViewMessage({ id: 1, body: b }).body;
  it("accepts the run view's messages and keeps only their known fields", () => {
    assert.deepEqual(body({ type: 'ready', extra: 1 }), { type: 'ready' });
    assert.deepEqual(body({ type: 'runAgain', steps: true }), { type: 'runAgain', steps: true });
    assert.deepEqual(body({ type: 'save', format: 'npy' }), { type: 'save', format: 'npy' });
    assert.deepEqual(body({ type: 'revealInstruction', index: 7 }), { type: 'revealInstruction', index: 7 });
    assert.deepEqual(body({ type: 'painted', outputs: 2, error: null }), { type: 'painted', outputs: 2, error: null });
  });

  it('refuses malformed messages', () => {
    refuses(parseRunViewMessage, { type: 'ready' }, /^id/);
    for (const [bad, reason] of [
      [null, /^message body is not an object/],
      ['ready', /^message body is not an object/],
      [[], /^message body is not an object/],
      [{ type: 'exec' }, /^type/],
      [{ type: 'runAgain' }, /^steps/],
      [{ type: 'runAgain', steps: 'yes' }, /^steps/],
      [{ type: 'save', format: 'exe' }, /^format/],
      [{ type: 'revealInstruction', index: -1 }, /^index/],
      [{ type: 'revealInstruction', index: 1.5 }, /^index/],
      [{ type: 'painted', outputs: 1, error: 'x'.repeat(5000) }, /^error/],
    ] as const) {
      refuses(body, bad, reason);
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
      { kind: 'npy', files: Array(257).fill('a.npy') },
      { kind: 'shell' },
    ]) {
      assert.throws(() => parseInputChoice(bad), ProtocolError, JSON.stringify(bad));
    }
    assert.throws(() => parseRunTarget({ programUri: 'x', choice: { kind: 'zeros' } }), ProtocolError);
  });
});

describe('protocol: the probe (test and benchmark hooks)', () => {
  afterEach(() => installProbe(null));

  it('does nothing until a probe is installed, then hands it every mark with its subject', () => {
    const subject = {};
    probeMark(subject, 'lost');
    const seen: [object, string, number][] = [];
    installProbe({ mark: (s, step, at) => seen.push([s, step, at]) });
    probeMark(subject, 'resolved', 5);
    probeMark(subject, 'painted');
    installProbe(null);
    probeMark(subject, 'after');
    assert.deepEqual(
      seen.map(([s, step]) => [s === subject, step]),
      [
        [true, 'resolved'],
        [true, 'painted'],
      ],
    );
    assert.equal(seen[0][2], 5);
    assert.ok(seen[1][2] > 1e12, 'epoch milliseconds');
  });
});
