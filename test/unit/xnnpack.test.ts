import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as flatbuffers from 'flatbuffers';
import { withFile } from '../../runtime/format/byteSource';
import { FormatError } from '../../runtime/format/errors';
import * as fb from '../../runtime/format/generated/xnnpack_generated';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { decodeXnnpackPayload } from '../../runtime/format/xnnpack/decodeXnnpack';
import { XnnpackGraph } from '../../runtime/format/xnnpack/xnnpackTypes';
import {
  NamedDataLookup,
  resolveXnnpackConstants,
  xnnpackNamedKeys,
} from '../../runtime/format/xnnpack/resolveConstants';
import { realFixture } from './fixtures';

interface Delegate {
  file: string;
  payload: Uint8Array;
  /** Absolute offset of the payload in the file. */
  base: number;
  /** The program's named data: key → blob bytes. */
  named: Map<string, Uint8Array>;
}

async function loadDelegate(name: string): Promise<Delegate> {
  return withFile(realFixture(name), async (source) => {
    const program = await decodePte(source);
    const delegates = program.methods.flatMap((m) => m.delegates);
    assert.equal(delegates.length, 1);
    assert.equal(delegates[0].backend, 'XnnpackBackend');
    const range = delegates[0].data!;
    const named = new Map<string, Uint8Array>();
    for (const entry of program.namedData)
      named.set(entry.key, await program.source.read(entry.data!.offset, entry.data!.length));
    return {
      file: source.name,
      payload: await program.source.read(range.offset, range.length),
      base: range.offset,
      named,
    };
  });
}

function decode(d: Delegate, payload = d.payload): XnnpackGraph {
  return decodeXnnpackPayload(payload, d.file, d.base);
}

function programLookup(d: Delegate): NamedDataLookup {
  return (key) => {
    const blob = d.named.get(key);
    return blob ? { size: blob.length, where: 'program named_data' } : undefined;
  };
}

/** Runs `f`, which must throw a FormatError, and returns it. */
function formatError(f: () => unknown): FormatError {
  try {
    f();
  } catch (e) {
    if (e instanceof FormatError) return e;
    throw new assert.AssertionError({ message: `expected a FormatError, got ${String(e)}` });
  }
  throw new assert.AssertionError({ message: 'expected a FormatError, nothing was thrown' });
}

// A few raw flatbuffer reads, independent of the decoder, to find bytes to patch.
const u16 = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number) => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const i32 = (b: Uint8Array, o: number) => u32(b, o) | 0;
const ref = (b: Uint8Array, o: number) => o + u32(b, o);
function fieldPos(b: Uint8Array, table: number, slot: number): number {
  const vtable = table - i32(b, table);
  const at = 4 + 2 * slot;
  assert.ok(at < u16(b, vtable), `field ${slot} is absent`);
  const off = u16(b, vtable + at);
  assert.notEqual(off, 0, `field ${slot} is absent`);
  return table + off;
}
const tableAt = (b: Uint8Array, table: number, slot: number) => ref(b, fieldPos(b, table, slot));
const vectorItem = (b: Uint8Array, table: number, slot: number, i: number) =>
  ref(b, tableAt(b, table, slot) + 4 + 4 * i);
/** Payload positions of the graph root and flatbuffer start of an XH00 payload. */
function graphRoot(payload: Uint8Array): { fbStart: number; root: number } {
  const fbStart = u32(payload, 10);
  return { fbStart, root: fbStart + u32(payload, fbStart) };
}
function patched(payload: Uint8Array, edit: (b: Uint8Array, dv: DataView) => void): Uint8Array {
  const copy = payload.slice();
  edit(copy, new DataView(copy.buffer, copy.byteOffset, copy.byteLength));
  return copy;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('XNNPACK payloads of real programs', () => {
  // Expected facts below were read from the files with an independent script.
  it('enr-add: one Add of two fp32[3] inputs', async () => {
    const d = await loadDelegate('enr-add.pte');
    assert.equal(d.base, 1152);
    const g = decode(d);
    assert.equal(g.container, 'XH00');
    assert.equal(g.identifier, 'XN01');
    assert.equal(g.version, '0');
    assert.deepEqual(g.header, {
      headerLength: 30,
      flatbufferOffset: 32,
      flatbufferSize: 392,
      constantDataOffset: 432,
      constantDataSize: 0,
    });
    assert.deepEqual(
      g.nodes.map((n) => [n.kind, n.tag, n.inputs, n.outputs, n.debugHandle]),
      [['Add', 1, [0, 1], [2], 1]],
    );
    assert.deepEqual(
      g.values.map((v) => [v.idOut, v.datatype, v.dims, v.externalId, v.isInput, v.isOutput]),
      [
        [0, 'fp32', [3], 0, true, false],
        [1, 'fp32', [3], 1, true, false],
        [2, 'fp32', [3], 2, false, true],
      ],
    );
    assert.equal(g.numExterns, 3);
    assert.deepEqual([g.inputIds, g.outputIds], [[0, 1], [2]]);
    assert.deepEqual(g.constants, [{ index: 0, source: 'none', namedKey: null, size: 0, range: null }]);
    assert.deepEqual(g.warnings, []);
    assert.deepEqual(xnnpackNamedKeys(g), []);
    assert.deepEqual(resolveXnnpackConstants(g, d.payload, programLookup(d)), []);
  });

  it('enr-dynamic: one Multiply broadcasting fp32[1] over fp32[8]', async () => {
    const d = await loadDelegate('enr-dynamic.pte');
    const g = decode(d);
    assert.deepEqual(
      g.nodes.map((n) => [n.kind, n.inputs, n.inputRoles, n.outputs]),
      [['Multiply', [0, 1], ['input1_id', 'input2_id'], [2]]],
    );
    assert.deepEqual(
      g.values.map((v) => v.dims),
      [[8], [1], [8]],
    );
    assert.deepEqual(
      g.values.map((v) => v.datatype),
      ['fp32', 'fp32', 'fp32'],
    );
    assert.equal(g.header?.flatbufferSize, 392);
    assert.deepEqual(g.warnings, []);
  });

  it('enr-quantized: Convert → FullyConnected (qint8, qint32 bias) → Convert, per-tensor quantization', async () => {
    const d = await loadDelegate('enr-quantized.pte');
    const g = decode(d);
    assert.deepEqual(g.header, {
      headerLength: 30,
      flatbufferOffset: 32,
      flatbufferSize: 1056,
      constantDataOffset: 1088,
      constantDataSize: 0,
    });
    assert.deepEqual(
      g.nodes.map((n) => n.kind),
      ['Convert', 'FullyConnected', 'Convert'],
    );
    const fc = g.nodes[1];
    assert.deepEqual([fc.inputs, fc.inputRoles, fc.outputs], [[1, 2, 3], ['input1_id', 'filter_id', 'bias_id'], [4]]);
    assert.deepEqual(
      g.values.map((v) => v.datatype),
      ['fp32', 'qint8', 'qint8', 'qint32', 'qint8', 'fp32'],
    );
    assert.deepEqual(
      g.values.map((v) => v.quantization?.kind ?? null),
      [null, 'perTensor', 'perTensor', 'perTensor', 'perTensor', null],
    );
    assert.deepEqual(
      g.values.map((v) => (v.quantization?.kind === 'perTensor' ? v.quantization.zeroPoint : null)),
      [null, -27, 0, 0, -30, null],
    );
    assert.deepEqual(g.values[1].quantization, {
      kind: 'perTensor',
      scale: Math.fround(0.007988085970282555),
      zeroPoint: -27,
    });
    assert.deepEqual(
      g.values.map((v) => v.constantIndex),
      [0, 0, 1, 2, 0, 0],
    );
    assert.deepEqual(
      g.values.map((v) => v.externalId),
      [0, null, null, null, null, 1],
    );
    assert.deepEqual([g.numExterns, g.inputIds, g.outputIds], [2, [0], [5]]);
    assert.deepEqual(
      g.constants.map((c) => [c.source, c.size]),
      [
        ['none', 0],
        ['namedKey', 64],
        ['namedKey', 32],
      ],
    );
    assert.deepEqual(g.warnings, []);
  });

  it('djl-spike-conv: NCHW→NHWC transpose, Conv2d 3×3 with fused ReLU, transpose back', async () => {
    const d = await loadDelegate('djl-spike-conv.pte');
    const g = decode(d);
    assert.deepEqual(
      g.nodes.map((n) => n.kind),
      ['StaticTranspose', 'Conv2d', 'StaticTranspose'],
    );
    assert.deepEqual(
      g.nodes.map((n) => n.debugHandle),
      [65535, 1, 65535],
    );
    assert.deepEqual(g.nodes[0].params, { num_dims: 4, perm: [0, 2, 3, 1] });
    assert.deepEqual(g.nodes[2].params, { num_dims: 4, perm: [0, 3, 1, 2] });
    const conv = g.nodes[1];
    assert.deepEqual(conv.params, {
      padding_top: 1,
      padding_right: 1,
      padding_bottom: 1,
      padding_left: 1,
      kernel_height: 3,
      kernel_width: 3,
      subsampling_height: 1,
      subsampling_width: 1,
      dilation_height: 1,
      dilation_width: 1,
      group_input_channels: 3,
      group_output_channels: 8,
      groups: 1,
      adjustment_height: 0,
      adjustment_width: 0,
    });
    assert.deepEqual([conv.inputs, conv.outputs], [[1, 2, 4], [3]]);
    assert.deepEqual(conv.outputMinMax, { min: 0, max: Infinity });
    assert.deepEqual(
      g.values.map((v) => v.dims),
      [[1, 3, 16, 16], [1, 16, 16, 3], [8, 3, 3, 3], [1, 16, 16, 8], [8], [1, 8, 16, 16]],
    );
    assert.deepEqual(
      g.constants.map((c) => c.size),
      [0, 864, 32],
    );
  });

  it('djl-spike-lin129: one FullyConnected with fp32[64, 129] weights', async () => {
    const d = await loadDelegate('djl-spike-lin129.pte');
    const g = decode(d);
    assert.deepEqual(
      g.nodes.map((n) => [n.kind, n.inputs, n.outputs]),
      [['FullyConnected', [0, 1, 2], [3]]],
    );
    assert.deepEqual(
      g.values.map((v) => v.dims),
      [[129], [64, 129], [64], [64]],
    );
    assert.deepEqual(
      g.values.map((v) => v.constantIndex),
      [0, 1, 2, 0],
    );
    assert.deepEqual(
      xnnpackNamedKeys(g).map((k) => k.size),
      [33024, 256],
    );
  });

  it('djl-spike-clamp5: a Clamp node with output range [-1, 1]; the output is value 0', async () => {
    const d = await loadDelegate('djl-spike-clamp5.pte');
    const g = decode(d);
    assert.deepEqual(
      g.nodes.map((n) => [n.kind, n.inputs, n.outputs, n.outputMinMax]),
      [['Clamp', [1], [0], { min: -1, max: 1 }]],
    );
    assert.deepEqual(
      g.values.map((v) => [v.idOut, v.externalId, v.isInput, v.isOutput]),
      [
        [0, 1, false, true],
        [1, 0, true, false],
      ],
    );
    assert.deepEqual([g.inputIds, g.outputIds], [[1], [0]]);
  });

  for (const name of ['enr-quantized.pte', 'djl-spike-conv.pte', 'djl-spike-lin129.pte']) {
    it(`${name}: every named key is in the program's named data, with equal size, and is the blob's sha256`, async () => {
      const d = await loadDelegate(name);
      const g = decode(d);
      const keys = xnnpackNamedKeys(g);
      assert.equal(keys.length, 2);
      assert.deepEqual(new Set(keys.map((k) => k.key)), new Set(d.named.keys()));
      for (const { key, size } of keys) {
        assert.equal(d.named.get(key)!.length, size);
        assert.equal(sha256(d.named.get(key)!), key);
      }
      const uses = resolveXnnpackConstants(g, d.payload, programLookup(d));
      assert.equal(uses.length, 2);
      for (const u of uses) {
        assert.equal(u.role, 'data');
        assert.equal(u.where, 'program named_data');
        assert.equal(u.availableSize, u.recordedSize);
        assert.equal(u.neededSize, u.recordedSize);
        assert.deepEqual(u.problems, []);
      }
    });
  }

  it('reports missing keys and size mismatches', async () => {
    const d = await loadDelegate('djl-spike-lin129.pte');
    const g = decode(d);
    const [weightKey] = xnnpackNamedKeys(g).map((k) => k.key);
    const uses = resolveXnnpackConstants(g, d.payload, (key) =>
      key === weightKey ? { size: 100, where: 'a.ptd' } : undefined,
    );
    assert.equal(uses.length, 2);
    assert.equal(uses[0].where, 'a.ptd');
    assert.match(uses[0].problems.join('\n'), /records 33024 bytes .* a\.ptd holds 100/);
    assert.match(uses[0].problems.join('\n'), /need 33024 bytes, only 100 available/);
    assert.equal(uses[1].where, null);
    assert.match(uses[1].problems[0], /not in the program's named data/);
  });
});

describe('XNNPACK payloads built here', () => {
  interface ValueSpec {
    id: number;
    datatype?: number;
    dims?: number[];
    constant?: number;
    external?: number;
    flags?: number;
    quant?: (b: flatbuffers.Builder) => [fb.QuantParams, number];
  }
  interface NodeSpec {
    tag: number;
    table: (b: flatbuffers.Builder) => number;
  }
  interface GraphSpec {
    identifier?: string;
    nodes?: NodeSpec[];
    values: ValueSpec[];
    constantData?: { offset: bigint; size: bigint; key?: string }[];
    constantBuffers?: number[][];
  }

  function buildGraph(spec: GraphSpec): Uint8Array {
    const b = new flatbuffers.Builder(256);
    const nodes = (spec.nodes ?? []).map((n) => {
      const table = n.table(b);
      fb.XNode.startXNode(b);
      fb.XNode.addXnodeUnionType(b, n.tag);
      fb.XNode.addXnodeUnion(b, table);
      fb.XNode.addDebugHandle(b, 7);
      return fb.XNode.endXNode(b);
    });
    const values = spec.values.map((v) => {
      const dims = fb.XNNTensorValue.createDimsVector(b, v.dims ?? [1]);
      const tensor = fb.XNNTensorValue.createXNNTensorValue(
        b,
        v.datatype ?? fb.XNNDatatype.xnn_datatype_fp32,
        (v.dims ?? [1]).length,
        dims,
        v.constant ?? 0,
        v.external ?? 0xffff_ffff,
        v.flags ?? 0,
        v.id,
        0,
      );
      if (!v.quant) return fb.XValue.createXValue(b, fb.ValueUnion.XNNTensorValue, tensor);
      const [type, params] = v.quant(b);
      const q = fb.XNNQuantizedTensorValue.createXNNQuantizedTensorValue(b, tensor, type, params);
      return fb.XValue.createXValue(b, fb.ValueUnion.XNNQuantizedTensorValue, q);
    });
    const constantData = (spec.constantData ?? []).map((c) => {
      const key = c.key === undefined ? 0 : b.createString(c.key);
      return fb.ConstantDataOffset.createConstantDataOffset(b, c.offset, c.size, key);
    });
    const constantBuffers = (spec.constantBuffers ?? []).map((bytes) =>
      fb.Buffer.createBuffer(b, fb.Buffer.createStorageVector(b, bytes)),
    );
    const graph = fb.XNNGraph.createXNNGraph(
      b,
      b.createString('0'),
      fb.XNNGraph.createXnodesVector(b, nodes),
      fb.XNNGraph.createXvaluesVector(b, values),
      2,
      fb.XNNGraph.createInputIdsVector(b, [0]),
      fb.XNNGraph.createOutputIdsVector(b, [1]),
      spec.constantBuffers ? fb.XNNGraph.createConstantBufferVector(b, constantBuffers) : 0,
      0,
      spec.constantData ? fb.XNNGraph.createConstantDataVector(b, constantData) : 0,
    );
    b.finish(graph, spec.identifier ?? 'XN01');
    return b.asUint8Array().slice();
  }

  /** Wraps a graph in the XH00 container: 32-byte header, flatbuffer padded to 16, constant bytes. */
  function withHeader(graph: Uint8Array, constants: number[] = []): Uint8Array {
    const fbSize = graph.length;
    const constantOffset = 32 + Math.ceil(fbSize / 16) * 16;
    const out = new Uint8Array(constantOffset + constants.length);
    const dv = new DataView(out.buffer);
    out.set([0x58, 0x48, 0x30, 0x30], 4);
    dv.setUint16(8, 30, true);
    dv.setUint32(10, 32, true);
    dv.setUint32(14, fbSize, true);
    dv.setUint32(18, constantOffset, true);
    dv.setBigUint64(22, BigInt(constants.length), true);
    out.set(graph, 32);
    out.set(constants, constantOffset);
    return out;
  }

  const io: ValueSpec[] = [
    { id: 0, external: 0, flags: 1 },
    { id: 1, external: 1, flags: 2 },
  ];

  it('decodes a bare XN00 payload with legacy inline constant buffers', () => {
    const payload = buildGraph({
      identifier: 'XN00',
      values: [...io, { id: 2, dims: [4], constant: 1 }],
      nodes: [{ tag: fb.NodeUnion.XNNAdd, table: (b) => fb._XNNNode2x1.create_XNNNode2x1(b, 0, 2, 1, 0) }],
      constantBuffers: [[], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]],
    });
    const g = decodeXnnpackPayload(payload, 'bare', 500);
    assert.equal(g.container, 'bare');
    assert.equal(g.identifier, 'XN00');
    assert.equal(g.header, null);
    assert.equal(g.constants[1].source, 'legacyBuffer');
    assert.equal(g.constants[1].size, 16);
    const [use] = resolveXnnpackConstants(g, payload, () => undefined);
    assert.equal(use.where, 'payload constant_buffer');
    assert.deepEqual([...use.bytes!], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    assert.deepEqual(use.problems, []);
  });

  it('locates constants stored in the payload after the flatbuffer', () => {
    const graph = buildGraph({
      values: [...io, { id: 2, dims: [2], constant: 1 }, { id: 3, dims: [3], constant: 2 }],
      constantData: [
        { offset: 0n, size: 0n },
        { offset: 0n, size: 8n },
        { offset: 16n, size: 8n },
      ],
    });
    const constants = [...Array(24).keys()];
    const payload = withHeader(graph, constants);
    const g = decodeXnnpackPayload(payload, 'inline', 0);
    const start = g.header!.constantDataOffset;
    assert.deepEqual(
      g.constants.slice(1).map((c) => [c.source, c.range]),
      [
        ['payload', { offset: start, length: 8 }],
        ['payload', { offset: start + 16, length: 8 }],
      ],
    );
    const uses = resolveXnnpackConstants(g, payload, () => undefined);
    assert.deepEqual([...uses[0].bytes!], [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(uses[0].problems, []);
    assert.match(uses[1].problems[0], /fp32 tensor \[3\] need 12 bytes, only 8 available/);
  });

  it('rejects a payload constant that runs past the constant region', () => {
    const graph = buildGraph({
      values: io,
      constantData: [
        { offset: 0n, size: 0n },
        { offset: 8n, size: 16n },
      ],
    });
    const e = formatError(() => decodeXnnpackPayload(withHeader(graph, new Array(16).fill(0)), 'f', 1000));
    assert.equal(e.path, 'constant_data[1].offset');
    assert.match(e.reason, /runs past the constant data \(16 bytes\)/);
  });

  it('decodes per-channel and per-channel-group quantization and their scale buffers', () => {
    const graph = buildGraph({
      values: [
        ...io,
        {
          id: 2,
          datatype: fb.XNNDatatype.xnn_datatype_qcint8,
          dims: [2, 4],
          constant: 1,
          quant: (b) => [
            fb.QuantParams.PerChannelQuant,
            fb.PerChannelQuant.createPerChannelQuant(b, fb.PerChannelQuant.createScaleVector(b, [0.5, 0.25]), 0, 0, 0),
          ],
        },
        {
          id: 3,
          datatype: fb.XNNDatatype.xnn_datatype_qbint4,
          dims: [4, 64],
          constant: 2,
          quant: (b) => [
            fb.QuantParams.PerChannelGroupQuant,
            fb.PerChannelGroupQuant.createPerChannelGroupQuant(b, 0, 0, 32, 0, 3, 8),
          ],
        },
        {
          id: 4,
          datatype: fb.XNNDatatype.xnn_datatype_qbint4,
          dims: [1, 64],
          quant: (b) => [
            fb.QuantParams.PerChannelGroupQuant,
            fb.PerChannelGroupQuant.createPerChannelGroupQuant(
              b,
              0,
              0,
              32,
              fb.PerChannelGroupQuant.createScaleBf16Vector(b, [0x3f80, 0xc000]),
              0,
              2,
            ),
          ],
        },
        {
          id: 5,
          datatype: fb.XNNDatatype.xnn_datatype_qdint8,
          quant: (b) => [fb.QuantParams.PerTokenDynamicQuant, fb.PerTokenDynamicQuant.createPerTokenDynamicQuant(b, 1)],
        },
      ],
      constantData: [
        { offset: 0n, size: 0n },
        { offset: 0n, size: 8n, key: 'w8' },
        { offset: 0n, size: 128n, key: 'w4' },
        { offset: 0n, size: 16n, key: 'scale_w4' },
      ],
    });
    const g = decodeXnnpackPayload(withHeader(graph), 'q', 0);
    assert.deepEqual(
      g.values.map((v) => v.datatype),
      ['fp32', 'fp32', 'qcint8', 'qbint4', 'qbint4', 'qdint8'],
    );
    assert.deepEqual(g.values[2].quantization, {
      kind: 'perChannel',
      channelDim: 0,
      scales: [0.5, 0.25],
      scaleBufferIdx: 0,
      numScales: 0,
    });
    assert.deepEqual(g.values[3].quantization, {
      kind: 'perChannelGroup',
      channelDim: 0,
      groupSize: 32,
      scaleBufferIdx: 3,
      numScales: 8,
    });
    assert.deepEqual(g.values[4].quantization, {
      kind: 'perChannelGroup',
      channelDim: 0,
      groupSize: 32,
      scales: [1, -2],
      scaleBufferIdx: 0,
      numScales: 2,
    });
    assert.deepEqual(g.values[5].quantization, { kind: 'perTokenDynamic', numNonbatchDims: 1 });
    assert.deepEqual(xnnpackNamedKeys(g), [
      { key: 'w8', size: 8 },
      { key: 'w4', size: 128 },
      { key: 'scale_w4', size: 16 },
    ]);
    const sizes: Record<string, number> = { w8: 8, w4: 128, scale_w4: 16 };
    const uses = resolveXnnpackConstants(g, new Uint8Array(0), (k) =>
      k in sizes ? { size: sizes[k], where: 'w.ptd' } : undefined,
    );
    assert.deepEqual(
      uses.map((u) => [u.idOut, u.role, u.namedKey, u.neededSize, u.problems]),
      [
        [2, 'data', 'w8', 8, []],
        [3, 'data', 'w4', null, []],
        [3, 'scales', 'scale_w4', 16, []],
      ],
    );
  });

  it('reads operands and parameters of several node shapes', () => {
    const values: ValueSpec[] = [...io, ...[2, 3, 4, 5, 6].map((id) => ({ id }))];
    const graph = buildGraph({
      values,
      nodes: [
        { tag: fb.NodeUnion.XNNConcatenate3, table: (b) => fb._XNNCat.create_XNNCat(b, 1, 0, 2, 3, 0, 4, 0, 0) },
        {
          tag: fb.NodeUnion.XNNFullyConnected,
          table: (b) => fb.XNNFullyConnected.createXNNFullyConnected(b, 4, 5, 0xffff_ffff, 6, 0),
        },
        { tag: fb.NodeUnion.XNNLeakyReLU, table: (b) => fb.XNNLeakyReLU.createXNNLeakyReLU(b, 0.125, 6, 2, 0) },
        {
          tag: fb.NodeUnion.XNNStaticReshape,
          table: (b) =>
            fb.XNNStaticReshape.createXNNStaticReshape(
              b,
              2,
              fb.XNNStaticReshape.createNewShapeVector(b, [3, 0xffff_ffff]),
              2,
              1,
              1,
            ),
        },
        {
          tag: fb.NodeUnion.XNNArgMaxPooling2d,
          table: (b) => fb.XNNArgMaxPooling2d.createXNNArgMaxPooling2d(b, 0, 0, 0, 0, 2, 2, 1, 3, 4, 0),
        },
      ],
    });
    const g = decodeXnnpackPayload(withHeader(graph), 'n', 0);
    assert.deepEqual(
      g.nodes.map((n) => [n.kind, n.inputs, n.inputRoles, n.outputs]),
      [
        ['Concatenate3', [0, 2, 3], ['input1_id', 'input2_id', 'input3_id'], [4]],
        ['FullyConnected', [4, 5], ['input1_id', 'filter_id'], [6]],
        ['LeakyReLU', [6], ['input_id'], [2]],
        ['StaticReshape', [2], ['input_id'], [1]],
        ['ArgMaxPooling2d', [1], ['input_id'], [3, 4]],
      ],
    );
    assert.deepEqual(g.nodes[0].params, { axis: 1 });
    assert.deepEqual(g.nodes[2].params, { negative_slope: 0.125 });
    assert.deepEqual(g.nodes[3].params, { num_dims: 2, new_shape: [3, 0xffff_ffff] });
    assert.equal(g.nodes[3].flags, 1);
    assert.equal(g.nodes[4].params.pooling_height, 2);
    assert.deepEqual(g.warnings, []);
  });

  it('keeps nodes of unknown type and warns about tables of the wrong shape and dangling ids', () => {
    const graph = buildGraph({
      values: io,
      nodes: [
        { tag: 99, table: (b) => fb._XNNNode1x1.create_XNNNode1x1(b, 0, 1, 0) },
        // An Abs node (1x1 table) whose table has the eight fields of a concatenation.
        { tag: fb.NodeUnion.XNNAbs, table: (b) => fb._XNNCat.create_XNNCat(b, 0, 0, 1, 0, 0, 1, 0, 9) },
      ],
    });
    const g = decodeXnnpackPayload(withHeader(graph), 'u', 0);
    assert.deepEqual(
      g.nodes.map((n) => [n.kind, n.tag, n.inputs, n.outputs, n.debugHandle]),
      [
        ['unknown(99)', 99, [], [], 7],
        ['Abs', 30, [0], [0], 7],
      ],
    );
    assert.equal(g.warnings.length, 2);
    assert.match(g.warnings[0], /xnodes\[0\] has unknown node type 99/);
    assert.match(g.warnings[1], /xnodes\[1\] \(Abs\) has 8 fields where _XNNNode1x1 has 3/);

    const dangling = decodeXnnpackPayload(
      withHeader(
        buildGraph({
          values: [{ id: 0, constant: 5 }],
          nodes: [{ tag: fb.NodeUnion.XNNSoftmax, table: (b) => fb._XNNNode1x1.create_XNNNode1x1(b, 0, 8, 0) }],
        }),
      ),
      'd',
      0,
    );
    assert.deepEqual(dangling.warnings, [
      'xvalues[0] refers to constant 5, but there are 0',
      'xnodes[0] (Softmax) output refers to value id 8, which no value has',
      'output_ids[0] refers to value id 1, which no value has',
    ]);
    const [use] = resolveXnnpackConstants(dangling, new Uint8Array(0), () => undefined);
    assert.equal(use.source, 'missing');
    assert.match(use.problems[0], /constant index 5 is out of range/);
  });
});

describe('malformed XNNPACK payloads', () => {
  let d: Delegate;
  before(async () => {
    d = await loadDelegate('enr-quantized.pte');
  });

  it('rejects a payload too small to identify', () => {
    const e = formatError(() => decode(d, d.payload.subarray(0, 6)));
    assert.equal(e.offset, d.base);
    assert.match(e.reason, /6 bytes is too small/);
  });

  it('rejects a truncated header', () => {
    const e = formatError(() => decode(d, d.payload.subarray(0, 20)));
    assert.equal(e.path, 'header');
    assert.equal(e.offset, d.base);
  });

  it('rejects bytes 4..7 that are neither XH00 nor a graph identifier', () => {
    const e = formatError(() =>
      decode(
        d,
        patched(d.payload, (b) => b.set([0x41, 0x42, 0x43, 0x44], 4)),
      ),
    );
    assert.equal(e.offset, d.base + 4);
    assert.match(e.reason, /"ABCD"/);
  });

  for (const [field, at, value, pattern] of [
    ['flatbuffer_size', 14, 2000, /runs past the end of the payload \(1088 bytes\)/],
    ['flatbuffer_size', 14, 4, /smaller than a flatbuffer/],
    ['flatbuffer_offset', 10, 8, /lies outside 30\.\.1088/],
    ['constant_data_offset', 18, 64, /inside the flatbuffer \(which ends at 1088\)/],
    ['constant_data_size', 22, 1, /runs past the end of the payload/],
  ] as const) {
    it(`rejects a bad header ${field} (${value})`, () => {
      const e = formatError(() =>
        decode(
          d,
          patched(d.payload, (_b, dv) => dv.setUint32(at, value, true)),
        ),
      );
      assert.equal(e.path, `header.${field}`);
      assert.equal(e.offset, d.base + at);
      assert.match(e.reason, pattern);
    });
  }

  it('decodes a node whose type byte was patched to an unknown tag', () => {
    const { fbStart, root } = graphRoot(d.payload);
    const fbBytes = d.payload.subarray(fbStart);
    const node = vectorItem(fbBytes, root - fbStart, 1, 1);
    const payload = patched(d.payload, (b) => {
      b[fbStart + fieldPos(fbBytes, node, 0)] = 200;
    });
    const g = decode(d, payload);
    assert.deepEqual(
      g.nodes.map((n) => n.kind),
      ['Convert', 'unknown(200)', 'Convert'],
    );
    assert.deepEqual([g.nodes[1].tag, g.nodes[1].inputs, g.nodes[1].outputs, g.nodes[1].debugHandle], [200, [], [], 3]);
    assert.equal(g.values.length, 6);
    assert.match(g.warnings.join('\n'), /unknown node type 200/);
  });

  it('names the node field whose vtable entry points outside its table', () => {
    const { fbStart, root } = graphRoot(d.payload);
    const fbBytes = d.payload.subarray(fbStart);
    const fcTable = tableAt(fbBytes, vectorItem(fbBytes, root - fbStart, 1, 1), 1);
    const entry = fcTable - i32(fbBytes, fcTable) + 4 + 2 * 1; // filter_id
    const e = formatError(() =>
      decode(
        d,
        patched(d.payload, (_b, dv) => dv.setUint16(fbStart + entry, 0xfff0, true)),
      ),
    );
    assert.equal(e.path, 'xnodes[1].xnode_union.filter_id');
    assert.equal(e.offset, d.base + fbStart + entry);
  });

  it('names the value field whose vector does not fit', () => {
    const { fbStart, root } = graphRoot(d.payload);
    const fbBytes = d.payload.subarray(fbStart);
    const quantized = tableAt(fbBytes, vectorItem(fbBytes, root - fbStart, 2, 2), 1);
    const dims = tableAt(fbBytes, tableAt(fbBytes, quantized, 0), 2);
    const e = formatError(() =>
      decode(
        d,
        patched(d.payload, (_b, dv) => dv.setUint32(fbStart + dims, 0x7fff_ffff, true)),
      ),
    );
    assert.equal(e.path, 'xvalues[2].xvalue_union.tensor_value.dims');
    assert.equal(e.offset, d.base + fbStart + dims);
  });

  it('rejects a value of unknown type at its type byte', () => {
    const { fbStart, root } = graphRoot(d.payload);
    const fbBytes = d.payload.subarray(fbStart);
    const typeByte = fieldPos(fbBytes, vectorItem(fbBytes, root - fbStart, 2, 0), 0);
    const e = formatError(() =>
      decode(
        d,
        patched(d.payload, (b) => {
          b[fbStart + typeByte] = 9;
        }),
      ),
    );
    assert.equal(e.path, 'xvalues[0].xvalue_union_type');
    assert.equal(e.offset, d.base + fbStart + typeByte);
  });

  it('raises only FormatErrors for every truncation and for random byte changes', async () => {
    let seed = 12345;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const check = (x: Delegate, payload: Uint8Array) => {
      try {
        decode(x, payload);
        return 0;
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
        // A read through a corrupted offset can aim anywhere, even before the file;
        // CheckedByteBuffer reports where it aimed. Every other error points into the payload.
        const inside = e.offset !== null && e.offset >= x.base && e.offset < x.base + x.payload.length;
        if (!inside) outside.push(e.message);
        return 1;
      }
    };
    const outside: string[] = [];
    for (const name of [
      'enr-add.pte',
      'enr-dynamic.pte',
      'enr-quantized.pte',
      'djl-spike-conv.pte',
      'djl-spike-lin129.pte',
      'djl-spike-clamp5.pte',
    ]) {
      const x = await loadDelegate(name);
      let failures = 0;
      for (let n = 0; n < x.payload.length; n++) failures += check(x, x.payload.subarray(0, n));
      assert.equal(failures, x.payload.length, `${name}: every truncation is an error`);
      for (let k = 0; k < 400; k++) {
        check(
          x,
          patched(x.payload, (b) => {
            for (let j = 1 + Math.floor(random() * 4); j > 0; j--)
              b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
          }),
        );
      }
    }
    for (const message of outside) assert.match(message, /outside the flatbuffer region/);
  });
});
