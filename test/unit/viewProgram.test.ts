import * as assert from 'node:assert/strict';
import { decodeBpte } from '../../runtime/format/bpte/decodeBpte';
import { withFile } from '../../runtime/format/byteSource';
import { decodeFile } from '../../runtime/format/decodeFile';
import { decodeDelegatePayloads } from '../../runtime/format/delegatePayloads';
import { FormatError } from '../../runtime/format/errors';
import { ETDump } from '../../runtime/format/etdump/etdumpTypes';
import { decodePtd } from '../../runtime/format/ptd/decodePtd';
import { decodePte } from '../../runtime/format/pte/decodePte';
import { Program } from '../../runtime/format/pte/pteTypes';
import { bundleView } from '../../runtime/view/bundleView';
import { dataFileView } from '../../runtime/view/dataFileView';
import { errorView } from '../../runtime/view/errorView';
import { etdumpView } from '../../runtime/view/etdumpView';
import { programView } from '../../runtime/view/programView';
import { instructionPage, MAX_PAGE_ROWS, valuePage } from '../../runtime/view/rows';
import { xnnpackGraphView } from '../../runtime/view/xnnpackView';
import { realFixture, realFixtureNames } from './fixtures';

async function viewOf(name: string) {
  return withFile(realFixture(name), async (source) => {
    const program = await decodePte(source);
    const payloads = await decodeDelegatePayloads(program);
    return { program, payloads, view: programView(program, payloads) };
  });
}

describe('view: program', () => {
  it('summarises enr-add.pte (header numbers checked with Python struct)', async () => {
    const { view } = await viewOf('enr-add.pte');
    const fact = (label: string) => view.facts.find((f) => f.label === label)?.value;
    assert.equal(fact('Identifier'), 'ET12');
    assert.equal(fact('Extended header'), 'eh00, 32 bytes');
    assert.equal(fact('Segment base offset'), '1152');
    assert.equal(view.sizes.file, 1584);
    assert.equal(view.sizes.delegatePayloads, 432);
    assert.equal(view.sizes.flatbuffer, 1088);
    assert.deepEqual(view.methods[0].inputs, [
      { valueIndex: 0, type: 'float32[3]' },
      { valueIndex: 1, type: 'float32[3]' },
    ]);
    assert.deepEqual(view.delegates[0].xnnpack?.nodeKinds, [{ kind: 'Add', count: 1 }]);
    assert.equal(view.delegates[0].fileOffset, 1152);
    assert.deepEqual(
      view.segments.map((s) => s.usedBy),
      [['constants'], ['forward delegate 0 (XnnpackBackend)']],
    );
  });

  it('keeps a QNN payload opaque and shows the segment two methods share', async () => {
    const { view } = await viewOf('et-2026-qnn-stories260k.pte');
    const qnn = view.delegates.filter((d) => d.backend === 'QnnBackend');
    assert.equal(qnn.length, 2);
    assert.ok(qnn.every((d) => d.status === 'opaque' && d.xnnpack === null && d.size! > 1_000_000));
    const shared = view.segments.find((s) => s.usedBy.length === 2);
    assert.deepEqual(shared?.usedBy, ['kv_forward delegate 0 (QnnBackend)', 'prefill_forward delegate 0 (QnnBackend)']);
    // 1 331 456 bytes of segment data (Python: eh00 segment_data_size) hold the one shared payload and nothing else
    assert.equal(view.sizes.delegatePayloads, qnn[0].size);
  });

  it('is plain JSON for every real program', async () => {
    for (const name of realFixtureNames().filter((n) => n.endsWith('.pte') && n !== 'djl-corrupt.pte')) {
      const { view } = await viewOf(name);
      assert.deepEqual(JSON.parse(JSON.stringify(view)), view, name);
    }
  });

  it('pages instructions and values, filtering on the host with original indices', async () => {
    const program = await withFile(
      realFixture('et-2026-08-bundled-program.bpte'),
      async (s) => (await decodeBpte(s)).program,
    );
    const method = program.methods[0];
    const all = instructionPage(method, 0, 10);
    assert.equal(all.total, 3);
    assert.deepEqual(
      all.rows.map((r) => r.text),
      ['aten::mul.out(%0, %2, %4, %4)', 'aten::add.out(%4, %1, 1, %5, %5)', 'aten::add.out(%5, %3, 1, %7, %7)'],
    );
    const adds = instructionPage(method, 1, 10, 'ADD');
    assert.equal(adds.total, 2);
    assert.deepEqual(
      adds.rows.map((r) => r.index),
      [2],
    );
    assert.match(all.rows[0].argTypes, /^%0: int32\[2, 2\]/);
    const values = valuePage(method, 0, 100);
    assert.equal(values.total, 9);
    assert.deepEqual(
      values.rows.map((r) => r.storage),
      ['constant', 'constant', 'planned', 'planned', 'planned', 'planned', '', 'planned', ''],
    );
    assert.equal(values.rows[6].detail, '1');
    assert.equal(valuePage(method, 0, 1e9).rows.length, Math.min(9, MAX_PAGE_ROWS));
    assert.deepEqual(instructionPage(method, 5, 10).rows, []);
  });

  it('lists an XNNPACK graph with constant keys and quantization', async () => {
    const { payloads } = await viewOf('enr-quantized.pte');
    assert.ok(payloads[0].status === 'xnnpack');
    const graph = xnnpackGraphView(payloads[0].graph);
    assert.deepEqual(
      graph.nodes.map((n) => n.kind),
      ['Convert', 'FullyConnected', 'Convert'],
    );
    assert.equal(graph.nodes[1].inputs, 'input1=%1, filter=%2, bias=%3');
    assert.equal(graph.values[2].role, "constant 'f12ea8fa6bc29aebec506f93a08d9bec918541c9d581bf01b7716afe36e52c14'");
    assert.match(graph.values[2].quantization, /^per tensor: scale /);
    assert.equal(graph.values[0].role, 'input 0');
  });
});

describe('view: data files, bundles, dumps, errors', () => {
  it('lists a legacy .ptd (offsets from the format notes: weight @0, bias @48 of the segment at 272)', async () => {
    const view = await withFile(realFixture('et-2025-02-linear.ptd'), async (s) => dataFileView(await decodePtd(s)));
    assert.equal(view.layout, 'legacy');
    assert.deepEqual(
      view.entries.slice(0, 2).map((e) => [e.key, e.dtype, e.shape, e.bytes, e.fileOffset]),
      [
        ['linear.weight', 'float32', [3, 3], 36, 272],
        ['linear.bias', 'float32', [3], 12, 320],
      ],
    );
  });

  it('shows the bundled test cases with their values (golden.json: inputs are 0, outputs 2)', async () => {
    const view = await withFile(realFixture('et-2026-08-bundled-program.bpte'), async (s) =>
      bundleView(await decodeBpte(s)),
    );
    assert.equal(view.testCases.length, 10);
    const first = view.testCases[0];
    assert.equal(first.method, 'forward');
    assert.deepEqual(
      first.inputs.map((v) => [v.type, v.values]),
      [
        ['int32[2, 2]', ['0', '0', '0', '0']],
        ['int32[2, 2]', ['0', '0', '0', '0']],
      ],
    );
    assert.deepEqual(
      first.expectedOutputs.map((v) => v.values),
      [['2', '2', '2', '2']],
    );
  });

  it('shows the bytes around a decode error', async () => {
    await withFile(realFixture('djl-corrupt.pte'), async (source) => {
      const error = await decodeFile(source).then(
        () => assert.fail('djl-corrupt.pte decoded'),
        (e: unknown) => e as FormatError,
      );
      const view = await errorView(error, source);
      assert.equal(view.offset, 4);
      assert.match(view.reason, /identifier is 'A_PT'/);
      // Python: the file starts 4e 4f 54 5f 41 ("NOT_A_PTE")
      assert.deepEqual(view.bytes?.hex.slice(0, 5), ['4e', '4f', '54', '5f', '41']);
      assert.equal(view.bytes?.start, 0);
    });
  });

  it('lists ETDump events with durations in the tick unit, and groups them by run and by operator', () => {
    const dump: ETDump = {
      kind: 'etdp',
      source: { name: 'x.etdp', size: 0, read: async () => new Uint8Array() },
      fileSize: 100,
      sizePrefixed: true,
      version: 0,
      runs: [
        {
          name: 'forward',
          bundledInputIndex: -1,
          allocators: ['method'],
          events: [
            {
              kind: 'profile',
              name: 'OPERATOR_CALL',
              chainIndex: 0,
              instructionId: 3,
              delegateDebugIdInt: -1,
              delegateDebugIdStr: null,
              startTime: 10n,
              endTime: 2n ** 60n,
              delegateDebugMetadataSize: 0,
              delegateDebugMetadata: null,
            },
            { kind: 'allocation', allocatorId: 0, size: 2048 },
          ],
        },
      ],
    };
    const view = etdumpView(dump, 'ticks');
    assert.deepEqual(
      view.events.map((e) => [e.kind, e.name, e.detail, e.instruction]),
      [
        ['profile', 'OPERATOR_CALL', `${2n ** 60n - 10n} ticks`, 3],
        ['allocation', 'allocator 0', '2.0 KiB', null],
      ],
    );
    assert.equal(view.omittedEvents, 0);
    const runs: ETDump['runs'] = [1500n, 2500n, 500n].map((t) => ({
      name: 'Execute',
      bundledInputIndex: -1,
      allocators: [],
      events: [
        {
          kind: 'profile',
          name: 'native_call_add.out',
          chainIndex: 0,
          instructionId: 0,
          delegateDebugIdInt: -1,
          delegateDebugIdStr: null,
          startTime: 0n,
          endTime: t,
          delegateDebugMetadataSize: 0,
          delegateDebugMetadata: null,
        },
        {
          kind: 'profile',
          name: 'Method::execute',
          chainIndex: -1,
          instructionId: 0,
          delegateDebugIdInt: -1,
          delegateDebugIdStr: null,
          startTime: 0n,
          endTime: 10_000n,
          delegateDebugMetadataSize: 0,
          delegateDebugMetadata: null,
        },
      ],
    }));
    const grouped = etdumpView({ ...dump, runs });
    assert.equal(grouped.tickUnit, 'ns');
    assert.deepEqual(
      grouped.runs.map((r) => [r.profileEvents, r.execute]),
      [
        [2, '10.0 µs'],
        [2, '10.0 µs'],
        [2, '10.0 µs'],
      ],
    );
    assert.deepEqual(
      grouped.groups.map((g) => [g.name, g.kind, g.count, g.runs, g.total, g.p10, g.p50, g.p90, g.share]),
      [
        ['Method::execute', 'method', 3, 3, '30.0 µs', '10.0 µs', '10.0 µs', '10.0 µs', '100.0%'],
        ['add.out', 'portable', 3, 3, '4.5 µs', '500 ns', '1.5 µs', '2.5 µs', '15.0%'],
      ],
    );
    assert.equal(etdumpView({ ...dump, runs }, 'us').groups[1].total, '4.500 ms');
  });

  it('turns every real fixture into a view without throwing', async () => {
    for (const name of realFixtureNames()) {
      await withFile(realFixture(name), async (source) => {
        let file;
        try {
          file = await decodeFile(source);
        } catch (e) {
          assert.equal(name, 'djl-corrupt.pte', `${name}: ${(e as Error).message}`);
          return;
        }
        if (file.kind === 'ptd') dataFileView(file);
        if (file.kind === 'bpte') await bundleView(file);
        if (file.kind === 'pte') programView(file as Program, await decodeDelegatePayloads(file));
      });
    }
  });
});
