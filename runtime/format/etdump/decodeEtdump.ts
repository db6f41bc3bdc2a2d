import { ByteSource } from '../byteSource';
import { CheckedByteBuffer } from '../checkedBuffer';
import { at } from '../errors';
import { byteVectorField, readList, required } from '../fbFields';
import { openFlatbuffer, safeNumber } from '../flatbufferRegion';
import * as fb from '../generated/etdump_generated';
import { dtypeName } from '../scalarType';
import { detectEtdumpLayout } from './layout';
import { ETDump, ETDumpEvent, ETDumpEventOrigin, ETDumpRun, ETDumpTensor, ETDumpValue } from './etdumpTypes';

/**
 * Decodes an `.etdp` ETDump, size-prefixed or not. The file holds only
 * events, so it is read whole; debug tensors' bytes live elsewhere.
 */
export async function decodeEtdump(source: ByteSource): Promise<ETDump> {
  const bytes = await source.read(0, source.size);
  const layout = detectEtdumpLayout(bytes, source.name);
  const bb = openFlatbuffer(bytes, source.name, 0, layout.rootAt);
  const root = fb.ETDump.getRootAsETDump(bb);
  return {
    kind: 'etdp',
    source,
    fileSize: source.size,
    sizePrefixed: layout.sizePrefixed,
    version: root.version(),
    runs: readList(
      'run_data',
      at('run_data', () => root.runDataLength()),
      (i) => readRun(bb, root.runData(i)!),
    ),
  };
}

const NO_CHAIN_U64 = 0xffff_ffff_ffff_ffffn;

function readRun(bb: CheckedByteBuffer, run: fb.RunData): ETDumpRun {
  const event = new fb.Event();
  return {
    name: at('name', () => run.name() ?? ''),
    bundledInputIndex: run.bundledInputIndex(),
    allocators: readList(
      'allocators',
      at('allocators', () => run.allocatorsLength()),
      (i) => run.allocators(i)!.name() ?? '',
    ),
    events: readList(
      'events',
      at('events', () => run.eventsLength()),
      (i) => readEvent(bb, run.events(i, event)!),
    ),
  };
}

/** The schema allows one member per event; should a file set several, the first in schema order wins. */
function readEvent(bb: CheckedByteBuffer, e: fb.Event): ETDumpEvent {
  const profile = e.profileEvent();
  if (profile) {
    return at('profile_event', () => {
      const metadata = byteVectorField(bb, profile, 5);
      return {
        kind: 'profile',
        ...origin(profile, profile.chainIndex()),
        startTime: profile.startTime(),
        endTime: profile.endTime(),
        delegateDebugMetadataSize: metadata?.length ?? 0,
        delegateDebugMetadata: metadata ? { offset: metadata.start, length: metadata.length } : null,
      };
    });
  }
  const allocation = e.allocationEvent();
  if (allocation) {
    return at('allocation_event', () => ({
      kind: 'allocation',
      allocatorId: allocation.allocatorId(),
      size: safeNumber(allocation.allocationSize(), bb.file, 'allocation_size', allocation.bb_pos),
    }));
  }
  const debug = e.debugEvent();
  if (debug) {
    return at('debug_event', () => {
      // ExecuTorch's ETDumpGen stores its "no chain" id (-1) in this unsigned field: 2^64 - 1.
      const raw = debug.chainIndex();
      const chainIndex = raw === NO_CHAIN_U64 ? -1 : safeNumber(raw, bb.file, 'chain_index', debug.bb_pos);
      const entry = debug.debugEntry();
      return {
        kind: 'debug',
        ...origin(debug, chainIndex),
        value: entry ? at('debug_entry', () => readValue(bb, entry)) : null,
        output: entry ? at('debug_entry', () => at('output', () => entry.output()?.boolVal() ?? null)) : null,
      };
    });
  }
  return { kind: 'empty' };
}

function origin(e: fb.ProfileEvent | fb.DebugEvent, chainIndex: number): ETDumpEventOrigin {
  return {
    name: at('name', () => e.name() ?? ''),
    chainIndex,
    instructionId: e.instructionId(),
    delegateDebugIdInt: e.delegateDebugIdInt(),
    delegateDebugIdStr: at('delegate_debug_id_str', () => e.delegateDebugIdStr()),
  };
}

function readValue(bb: CheckedByteBuffer, v: fb.Value): ETDumpValue {
  const type = v.val();
  const member = <T>(value: T | null, field: string): T => required(value, bb, field, v.bb_pos);
  switch (type) {
    case fb.ValueType.Null:
      return { type: 'null' };
    case fb.ValueType.Int:
      return at('int_value', () => ({ type: 'int', value: member(v.intValue(), 'int_value').intVal() }));
    case fb.ValueType.Bool:
      return at('bool_value', () => ({ type: 'bool', value: member(v.boolValue(), 'bool_value').boolVal() }));
    case fb.ValueType.Float:
      return at('float_value', () => ({ type: 'float', value: member(v.floatValue(), 'float_value').floatVal() }));
    case fb.ValueType.Double:
      return at('double_value', () => ({ type: 'double', value: member(v.doubleValue(), 'double_value').doubleVal() }));
    case fb.ValueType.Tensor:
      return at('tensor', () => ({ type: 'tensor', ...readTensor(bb, member(v.tensor(), 'tensor')) }));
    case fb.ValueType.TensorList:
      return at('tensor_list', () => {
        const list = member(v.tensorList(), 'tensor_list');
        const tensor = new fb.Tensor();
        return {
          type: 'tensorList',
          tensors: readList(
            'tensors',
            at('tensors', () => list.tensorsLength()),
            (i) => readTensor(bb, list.tensors(i, tensor)!),
          ),
        };
      });
    case fb.ValueType.String:
      return { type: 'string' };
    default:
      return { type: 'unknown', tag: type };
  }
}

function readTensor(bb: CheckedByteBuffer, t: fb.Tensor): ETDumpTensor {
  const scalarType = t.scalarType();
  return {
    scalarType,
    dtype: dtypeName(scalarType),
    sizes: readLongs(
      bb,
      'sizes',
      at('sizes', () => t.sizesLength()),
      (i) => t.sizes(i)!,
      t.bb_pos,
    ),
    strides: readLongs(
      bb,
      'strides',
      at('strides', () => t.stridesLength()),
      (i) => t.strides(i)!,
      t.bb_pos,
    ),
    offset: at('offset', () => toSafe(bb, t.offset(), 'tensor offset', t.bb_pos)),
  };
}

function readLongs(
  bb: CheckedByteBuffer,
  name: string,
  length: number,
  get: (i: number) => bigint,
  pos: number,
): number[] {
  return readList(name, length, (i) => toSafe(bb, get(i), 'value', pos));
}

/** A signed 64-bit field as a number; magnitudes past 2^53 cannot be sizes or offsets. */
function toSafe(bb: CheckedByteBuffer, value: bigint, what: string, pos: number): number {
  if (value < -BigInt(Number.MAX_SAFE_INTEGER) || value > BigInt(Number.MAX_SAFE_INTEGER))
    bb.fail(`${what} ${value} is out of range`, pos);
  return Number(value);
}
