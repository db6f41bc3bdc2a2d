import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as flatbuffers from 'flatbuffers';
import { MemorySource, withFile } from '../../runtime/format/byteSource';
import { decodeEtdump } from '../../runtime/format/etdump/decodeEtdump';
import { ETDump } from '../../runtime/format/etdump/etdumpTypes';
import { FormatError } from '../../runtime/format/errors';
import {
  AllocationEvent,
  Allocator,
  Bool,
  DebugEvent,
  Double,
  ETDump as FbETDump,
  Event,
  Float,
  Int,
  ProfileEvent,
  RunData,
  Tensor,
  TensorList,
  Value,
  ValueType,
} from '../../runtime/format/generated/etdump_generated';

const LATE = 2n ** 60n + 3n; // beyond 2^53: times must stay bigints

type B = flatbuffers.Builder;
type Off = flatbuffers.Offset;

function tensor(b: B, scalarType: number, sizes: bigint[], strides: bigint[], offset: bigint): Off {
  return Tensor.createTensor(
    b,
    scalarType,
    Tensor.createSizesVector(b, sizes),
    Tensor.createStridesVector(b, strides),
    offset,
  );
}

/** A Value table: `fill` adds the member fields after `val` is set. */
function value(b: B, type: ValueType, fill: (b: B) => void = () => undefined): Off {
  Value.startValue(b);
  Value.addVal(b, type);
  fill(b);
  return Value.endValue(b);
}

function debugEvent(
  b: B,
  entry: Off | null,
  instructionId: number,
  name: string | null,
  delegateStr: string | null = null,
): Off {
  const nameOff = name === null ? 0 : b.createString(name);
  const strOff = delegateStr === null ? 0 : b.createString(delegateStr);
  DebugEvent.startDebugEvent(b);
  DebugEvent.addChainIndex(b, 0n);
  DebugEvent.addInstructionId(b, instructionId);
  if (entry !== null) DebugEvent.addDebugEntry(b, entry);
  if (nameOff) DebugEvent.addName(b, nameOff);
  if (strOff) DebugEvent.addDelegateDebugIdStr(b, strOff);
  return DebugEvent.endDebugEvent(b);
}

function event(b: B, member: 'profile' | 'allocation' | 'debug' | null, table: Off = 0): Off {
  Event.startEvent(b);
  if (member === 'profile') Event.addProfileEvent(b, table);
  if (member === 'allocation') Event.addAllocationEvent(b, table);
  if (member === 'debug') Event.addDebugEvent(b, table);
  return Event.endEvent(b);
}

/**
 * An ETDump with two runs. Run 0 ("forward", bundled input 3) holds, in order:
 * 0 profile (all fields), 1 profile (defaults), 2 allocation, 3 debug tensor
 * (output), 4 debug int, 5 debug float, 6 debug double, 7 debug bool,
 * 8 debug tensor list, 9 debug null, 10 debug without entry, 11 empty event.
 * Run 1 has only defaults.
 */
function buildEtdump(sizePrefixed: boolean): Uint8Array {
  const b = new flatbuffers.Builder(64);
  const events: Off[] = [];

  const name0 = b.createString('DELEGATE_CALL');
  const delegateStr = b.createString('conv2d_0');
  const metadata = ProfileEvent.createDelegateDebugMetadataVector(b, [1, 2, 3, 4, 5]);
  events.push(
    event(b, 'profile', ProfileEvent.createProfileEvent(b, name0, 1, 5, 7, delegateStr, metadata, 1000n, LATE)),
  );
  const name1 = b.createString('Method::execute');
  ProfileEvent.startProfileEvent(b);
  ProfileEvent.addName(b, name1);
  events.push(event(b, 'profile', ProfileEvent.endProfileEvent(b)));
  events.push(event(b, 'allocation', AllocationEvent.createAllocationEvent(b, 1, 4096n)));

  const t = tensor(b, 6, [2n, 3n], [3n, 1n], 128n);
  const yes = Bool.createBool(b, true);
  events.push(
    event(
      b,
      'debug',
      debugEvent(
        b,
        value(b, ValueType.Tensor, (x) => {
          Value.addTensor(x, t);
          Value.addOutput(x, yes);
        }),
        2,
        'aten::add.out',
      ),
    ),
  );
  const i = Int.createInt(b, -42n);
  events.push(
    event(
      b,
      'debug',
      debugEvent(
        b,
        value(b, ValueType.Int, (x) => Value.addIntValue(x, i)),
        3,
        null,
      ),
    ),
  );
  const f = Float.createFloat(b, 1.5);
  events.push(
    event(
      b,
      'debug',
      debugEvent(
        b,
        value(b, ValueType.Float, (x) => Value.addFloatValue(x, f)),
        4,
        null,
      ),
    ),
  );
  const d = Double.createDouble(b, -0.125);
  events.push(
    event(
      b,
      'debug',
      debugEvent(
        b,
        value(b, ValueType.Double, (x) => Value.addDoubleValue(x, d)),
        5,
        null,
      ),
    ),
  );
  const no = Bool.createBool(b, false);
  const bv = Bool.createBool(b, true);
  events.push(
    event(
      b,
      'debug',
      debugEvent(
        b,
        value(b, ValueType.Bool, (x) => {
          Value.addBoolValue(x, bv);
          Value.addOutput(x, no);
        }),
        6,
        null,
      ),
    ),
  );
  const list = TensorList.createTensorList(
    b,
    TensorList.createTensorsVector(b, [tensor(b, 11, [4n], [1n], 0n), tensor(b, 15, [], [], 64n)]),
  );
  events.push(
    event(
      b,
      'debug',
      debugEvent(
        b,
        value(b, ValueType.TensorList, (x) => Value.addTensorList(x, list)),
        7,
        'split',
      ),
    ),
  );
  events.push(event(b, 'debug', debugEvent(b, value(b, ValueType.Null), 8, null)));
  events.push(event(b, 'debug', debugEvent(b, null, -1, 'delegate_out', 'xnn_op_3')));
  events.push(event(b, null));

  const allocators = RunData.createAllocatorsVector(
    b,
    ['method', 'temp'].map((n) => Allocator.createAllocator(b, b.createString(n))),
  );
  const run0 = RunData.createRunData(
    b,
    b.createString('forward'),
    3,
    allocators,
    RunData.createEventsVector(b, events),
  );
  RunData.startRunData(b);
  const run1 = RunData.endRunData(b);
  const root = FbETDump.createETDump(b, 7, FbETDump.createRunDataVector(b, [run0, run1]));
  if (sizePrefixed) b.finishSizePrefixed(root, 'ED00');
  else b.finish(root, 'ED00');
  return b.asUint8Array().slice();
}

/** A plain ETDump with one run holding one debug event whose entry `makeValue` builds. */
function oneDebugValue(makeValue: (b: B) => Off): Uint8Array {
  const b = new flatbuffers.Builder(64);
  const ev = event(b, 'debug', debugEvent(b, makeValue(b), 0, null));
  const run = RunData.createRunData(b, 0, -1, 0, RunData.createEventsVector(b, [ev]));
  b.finish(FbETDump.createETDump(b, 0, FbETDump.createRunDataVector(b, [run])), 'ED00');
  return b.asUint8Array().slice();
}

function checkDecoded(dump: ETDump, sizePrefixed: boolean, bytes: Uint8Array): void {
  assert.equal(dump.kind, 'etdp');
  assert.equal(dump.sizePrefixed, sizePrefixed);
  assert.equal(dump.version, 7);
  assert.equal(dump.runs.length, 2);
  const [run, empty] = dump.runs;
  assert.equal(run.name, 'forward');
  assert.equal(run.bundledInputIndex, 3);
  assert.deepEqual(run.allocators, ['method', 'temp']);
  assert.deepEqual(empty, { name: '', bundledInputIndex: -1, allocators: [], events: [] });
  assert.equal(run.events.length, 12);

  const e = run.events;
  const p0 = e[0];
  assert.ok(p0.kind === 'profile');
  assert.deepEqual(
    { ...p0, delegateDebugMetadata: undefined },
    {
      kind: 'profile',
      name: 'DELEGATE_CALL',
      chainIndex: 1,
      instructionId: 5,
      delegateDebugIdInt: 7,
      delegateDebugIdStr: 'conv2d_0',
      startTime: 1000n,
      endTime: LATE,
      delegateDebugMetadataSize: 5,
      delegateDebugMetadata: undefined,
    },
  );
  const meta = p0.delegateDebugMetadata!;
  assert.deepEqual([...bytes.subarray(meta.offset, meta.offset + meta.length)], [1, 2, 3, 4, 5]);
  assert.deepEqual(e[1], {
    kind: 'profile',
    name: 'Method::execute',
    chainIndex: 0,
    instructionId: -1,
    delegateDebugIdInt: -1,
    delegateDebugIdStr: null,
    startTime: 0n,
    endTime: 0n,
    delegateDebugMetadataSize: 0,
    delegateDebugMetadata: null,
  });
  assert.deepEqual(e[2], { kind: 'allocation', allocatorId: 1, size: 4096 });

  const origin = (instructionId: number, name = '') => ({
    name,
    chainIndex: 0,
    instructionId,
    delegateDebugIdInt: -1,
    delegateDebugIdStr: null,
  });
  assert.deepEqual(e[3], {
    kind: 'debug',
    ...origin(2, 'aten::add.out'),
    output: true,
    value: { type: 'tensor', scalarType: 6, dtype: 'float32', sizes: [2, 3], strides: [3, 1], offset: 128 },
  });
  assert.deepEqual(e[4], { kind: 'debug', ...origin(3), output: null, value: { type: 'int', value: -42n } });
  assert.deepEqual(e[5], { kind: 'debug', ...origin(4), output: null, value: { type: 'float', value: 1.5 } });
  assert.deepEqual(e[6], { kind: 'debug', ...origin(5), output: null, value: { type: 'double', value: -0.125 } });
  assert.deepEqual(e[7], { kind: 'debug', ...origin(6), output: false, value: { type: 'bool', value: true } });
  assert.deepEqual(e[8], {
    kind: 'debug',
    ...origin(7, 'split'),
    output: null,
    value: {
      type: 'tensorList',
      tensors: [
        { scalarType: 11, dtype: 'bool', sizes: [4], strides: [1], offset: 0 },
        { scalarType: 15, dtype: 'bfloat16', sizes: [], strides: [], offset: 64 },
      ],
    },
  });
  assert.deepEqual(e[9], { kind: 'debug', ...origin(8), output: null, value: { type: 'null' } });
  assert.deepEqual(e[10], {
    kind: 'debug',
    ...origin(-1, 'delegate_out'),
    delegateDebugIdStr: 'xnn_op_3',
    output: null,
    value: null,
  });
  assert.deepEqual(e[11], { kind: 'empty' });
}

async function expectFormatError(
  run: () => Promise<unknown>,
  expected: { reason?: RegExp; path?: string; offset?: number | null },
): Promise<FormatError> {
  let caught: unknown;
  try {
    await run();
  } catch (e) {
    caught = e;
  }
  assert.ok(
    caught instanceof FormatError,
    `expected a FormatError, got ${caught instanceof Error ? caught.stack : String(caught)}`,
  );
  if (expected.reason) assert.match(caught.reason, expected.reason);
  if (expected.path !== undefined) assert.equal(caught.path, expected.path);
  if (expected.offset !== undefined) assert.equal(caught.offset, expected.offset);
  return caught;
}

/** Position of a table's offset field, found with the unchecked generated reader. */
function fieldPosition(
  bytes: Uint8Array,
  sizePrefixed: boolean,
  pick: (root: FbETDump) => { bb_pos: number },
  vtableOffset: number,
): number {
  const bb = new flatbuffers.ByteBuffer(bytes);
  const root = sizePrefixed ? FbETDump.getSizePrefixedRootAsETDump(bb) : FbETDump.getRootAsETDump(bb);
  const table = pick(root);
  const field = bb.__offset(table.bb_pos, vtableOffset);
  assert.ok(field > 0);
  return table.bb_pos + field;
}

describe('decodeEtdump', () => {
  const plain = buildEtdump(false);
  const prefixed = buildEtdump(true);

  it('builds the two layouts it is meant to test', () => {
    const tag = (bytes: Uint8Array, at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
    assert.equal(tag(plain, 4), 'ED00');
    assert.equal(tag(prefixed, 8), 'ED00');
    assert.equal(new DataView(prefixed.buffer).getUint32(0, true), prefixed.length - 4);
  });

  it('decodes a plain buffer (identifier at 4)', async () => {
    checkDecoded(await decodeEtdump(new MemorySource(plain, 'plain.etdp')), false, plain);
  });

  it('decodes a size-prefixed buffer (identifier at 8)', async () => {
    checkDecoded(await decodeEtdump(new MemorySource(prefixed, 'prefixed.etdp')), true, prefixed);
  });

  it('decodes bytes that do not start their ArrayBuffer, and from a file', async () => {
    const padded = new Uint8Array(prefixed.length + 3);
    padded.set(prefixed, 3);
    checkDecoded(await decodeEtdump(new MemorySource(padded.subarray(3), 'offset.etdp')), true, prefixed);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'etdump-test-'));
    try {
      const file = path.join(dir, 'run.etdp');
      fs.writeFileSync(file, prefixed);
      const dump = await withFile(file, (s) => decodeEtdump(s));
      assert.equal(dump.sizePrefixed, true);
      assert.equal(dump.runs[0].events.length, 12);
      assert.deepEqual(dump.runs[0].events[2], { kind: 'allocation', allocatorId: 1, size: 4096 });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects files that are not ETDumps', async () => {
    const wrong = plain.slice();
    wrong.set([0x45, 0x44, 0x30, 0x31], 4);
    await expectFormatError(() => decodeEtdump(new MemorySource(wrong)), {
      reason: /^not an ETDump: identifier is 'ED01'/,
      offset: 4,
    });
    const bpteLike = plain.slice();
    bpteLike.set([0x42, 0x50, 0x30, 0x38], 4);
    await expectFormatError(() => decodeEtdump(new MemorySource(bpteLike)), { reason: /not an ETDump/ });
    await expectFormatError(() => decodeEtdump(new MemorySource(plain.subarray(0, 7))), {
      reason: /too small/,
      offset: 0,
    });
  });

  it('checks the size prefix against the file length', async () => {
    await expectFormatError(() => decodeEtdump(new MemorySource(prefixed.subarray(0, prefixed.length - 1))), {
      reason: /size prefix \d+ does not match .*truncated/,
      path: 'size_prefix',
      offset: 0,
    });
    const longer = new Uint8Array(prefixed.length + 4);
    longer.set(prefixed);
    await expectFormatError(() => decodeEtdump(new MemorySource(longer)), {
      reason: /trailing bytes/,
      path: 'size_prefix',
      offset: 0,
    });
  });

  it('rejects every truncation of either layout with a FormatError', async () => {
    // The builder's first object, the string 'DELEGATE_CALL', ends the buffer
    // with its NUL and two bytes of padding, which no decoder needs.
    const unused = 3;
    assert.deepEqual([...plain.subarray(plain.length - 1 - unused)], [0x4c, 0, 0, 0]);
    const full = await decodeEtdump(new MemorySource(plain));
    for (let cut = 0; cut < plain.length; cut++) {
      const source = new MemorySource(plain.subarray(0, cut));
      if (cut >= plain.length - unused) assert.deepEqual((await decodeEtdump(source)).runs, full.runs);
      else await expectFormatError(() => decodeEtdump(source), {});
    }
    // A size prefix notices any truncation.
    for (let cut = 0; cut < prefixed.length; cut++) {
      await expectFormatError(() => decodeEtdump(new MemorySource(prefixed.subarray(0, cut))), {});
    }
  });

  it('reports corrupted offsets with the field path and absolute offset', async () => {
    for (const [bytes, sizePrefixed] of [
      [plain, false],
      [prefixed, true],
    ] as const) {
      const rootAt = sizePrefixed ? 4 : 0;
      const root = bytes.slice();
      new DataView(root.buffer).setUint32(rootAt, 0x7fffff00, true);
      await expectFormatError(() => decodeEtdump(new MemorySource(root)), {
        reason: /root table offset/,
        offset: rootAt,
      });

      const runs = bytes.slice();
      const runsField = fieldPosition(runs, sizePrefixed, (r) => r, 6);
      new DataView(runs.buffer).setUint32(runsField, 0x00ffff00, true);
      await expectFormatError(() => decodeEtdump(new MemorySource(runs)), {
        reason: /outside the flatbuffer region/,
        path: 'run_data',
      });

      const sizes = bytes.slice();
      const sizesField = fieldPosition(
        sizes,
        sizePrefixed,
        (r) => r.runData(0)!.events(3)!.debugEvent()!.debugEntry()!.tensor()!,
        6,
      );
      new DataView(sizes.buffer).setUint32(sizesField, 0x00ffff00, true);
      await expectFormatError(() => decodeEtdump(new MemorySource(sizes)), {
        path: 'run_data[0].events[3].debug_event.debug_entry.tensor.sizes',
      });

      const count = bytes.slice();
      const namePos = fieldPosition(count, sizePrefixed, (r) => r.runData(0)!.events(0)!.profileEvent()!, 4);
      const view = new DataView(count.buffer);
      const stringAt = namePos + view.getUint32(namePos, true);
      view.setUint32(stringAt, 0x7fffffff, true);
      await expectFormatError(() => decodeEtdump(new MemorySource(count)), {
        reason: /string of 2147483647 bytes does not fit/,
        path: 'run_data[0].events[0].profile_event.name',
        offset: stringAt,
      });
    }
  });

  it('rejects values whose member table is missing or out of range', async () => {
    await expectFormatError(() => decodeEtdump(new MemorySource(oneDebugValue((b) => value(b, ValueType.Int)))), {
      reason: /required int_value is missing/,
      path: 'run_data[0].events[0].debug_event.debug_entry.int_value',
    });
    const huge = oneDebugValue((b) => {
      const t = tensor(b, 6, [1n], [1n], 2n ** 62n);
      return value(b, ValueType.Tensor, (x) => Value.addTensor(x, t));
    });
    await expectFormatError(() => decodeEtdump(new MemorySource(huge)), {
      reason: /tensor offset 4611686018427387904 is out of range/,
      path: 'run_data[0].events[0].debug_event.debug_entry.tensor.offset',
    });
  });

  it('keeps unknown value types instead of failing', async () => {
    const dump = await decodeEtdump(new MemorySource(oneDebugValue((b) => value(b, 42 as ValueType))));
    const e = dump.runs[0].events[0];
    assert.ok(e.kind === 'debug');
    assert.deepEqual(e.value, { type: 'unknown', tag: 42 });
  });

  it('raises only FormatErrors for single-byte corruptions anywhere in either layout', async () => {
    for (const bytes of [plain, prefixed]) {
      for (let i = 0; i < bytes.length; i++) {
        for (const flip of [0xff, 0x80, 0x01]) {
          const copy = bytes.slice();
          copy[i] ^= flip;
          try {
            await decodeEtdump(new MemorySource(copy));
          } catch (e) {
            if (!(e instanceof FormatError))
              assert.fail(`byte ${i} ^ ${flip}: ${e instanceof Error ? e.stack : String(e)}`);
          }
        }
      }
    }
  });
});
