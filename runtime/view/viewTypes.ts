/**
 * What an editor shows, as plain JSON-safe objects (no bigint, no typed
 * arrays, no NaN): the extension host builds them from the decoded model and
 * posts them to a webview. Large tables (instructions, values) are not here:
 * they are paged with `InstructionRow` / `ValueRow`.
 */

/** Where a program's bytes go (the same fields as `SizeBreakdown` of pte/describe; this file imports nothing so webviews can use it). */
export interface SizeView {
  file: number;
  flatbuffer: number;
  constants: number;
  delegatePayloads: number;
  namedData: number;
  mutableData: number;
  other: number;
}

export interface FactView {
  label: string;
  value: string;
}

export interface SegmentView {
  index: number;
  offset: number;
  size: number;
  /** Absolute offset in the file, or null when the file has no segment area. */
  fileOffset: number | null;
  /** What points at the segment: `constants`, `delegate forward#0`, `named data 'key'`, … */
  usedBy: string[];
}

/** An input or output of a method. */
export interface MethodIoView {
  valueIndex: number;
  /** `float32[1, 3]`, `int`, … */
  type: string;
}

export interface MethodView {
  index: number;
  name: string;
  inputs: MethodIoView[];
  outputs: MethodIoView[];
  instructionCount: number;
  valueCount: number;
  /** Qualified operator names (`aten::add.out`), in operator-table order. */
  operators: string[];
  delegateCount: number;
  /** Planned-memory arena sizes by memory id (element 0 reserved). */
  arenaSizes: number[];
  inputSpec: string;
  outputSpec: string;
}

export interface CompileSpecView {
  key: string;
  size: number;
  /** The value as text when it is printable UTF-8, else null. */
  text: string | null;
  /** First bytes in hex, for values that are not text. */
  hex: string;
}

export interface DelegateView {
  method: number;
  methodName: string;
  index: number;
  backend: string;
  location: string;
  /** Payload bytes and absolute file offset; null when the payload cannot be located. */
  size: number | null;
  fileOffset: number | null;
  compileSpecs: CompileSpecView[];
  /** `xnnpack`: payload decoded; `opaque`: a backend we do not interpret; `missing`: no payload; `error`: payload does not decode. */
  status: 'xnnpack' | 'opaque' | 'missing' | 'error';
  error: string | null;
  /** For XNNPACK payloads: a summary; the graph itself is fetched on demand. */
  xnnpack: XnnpackSummaryView | null;
}

export interface XnnpackSummaryView {
  container: string;
  identifier: string;
  nodeCount: number;
  valueCount: number;
  /** Node kinds with their counts, most frequent first. */
  nodeKinds: { kind: string; count: number }[];
  /** Named keys the graph's constants are read from. */
  namedKeys: number;
  warnings: string[];
}

export interface XnnNodeView {
  index: number;
  kind: string;
  inputs: string;
  outputs: string;
  params: string;
}

export interface XnnValueView {
  index: number;
  idOut: number;
  datatype: string;
  dims: string;
  /** `input 0`, `output 1`, `constant <key>`, `internal`. */
  role: string;
  quantization: string;
}

export interface XnnpackGraphView {
  nodes: XnnNodeView[];
  values: XnnValueView[];
}

export interface NamedDataView {
  key: string;
  segmentIndex: number;
  size: number | null;
  fileOffset: number | null;
}

export interface ProgramView {
  fileSize: number;
  identifier: string;
  facts: FactView[];
  sizes: SizeView;
  segments: SegmentView[];
  methods: MethodView[];
  delegates: DelegateView[];
  namedData: NamedDataView[];
  /** EXTERNAL tensor values, before linking. */
  externalTensorCount: number;
}

export interface InstructionRow {
  index: number;
  chain: number;
  kind: string;
  /** Operator or delegate called (`aten::add.out`, `delegate XnnpackBackend`, `move`). */
  target: string;
  /** The instruction with its arguments resolved (`aten::add.out(%0, %1, 1, %3)`). */
  text: string;
  /** Argument value indices with their types, for tooltips: `%0: float32[3]`. */
  argTypes: string;
  /** For delegate calls, the delegate index in the method. */
  delegateIndex: number | null;
  /** What the instruction wrote in the method's last run with intermediates (`float32[2, 4]  min …`), when there was one. */
  lastRun?: string;
  /** The instruction's median time over the profile's runs and its share of the method (`12.3 µs · 4.1%`), when a profile is laid over the program. */
  time?: string;
  /** Count, total and p10/p50/p90 for the tooltip. */
  timeTip?: string;
  /** The last run wrote NaN or Inf here. */
  lastRunNonFinite?: boolean;
}

/** Which run the "Last run" column of a method's instructions comes from. */
export interface LastRunView {
  method: number;
  methodName: string;
  /** ISO time of the run. */
  ranAt: string;
  engine: string;
  /** Instructions that wrote something. */
  steps: number;
}

export interface ValueRow {
  index: number;
  /** `tensor`, `int`, `intList`, … */
  kind: string;
  /** `float32[1, 3]`, `int`, … */
  type: string;
  /** How a tensor's bytes are found (`external`, `constant`, `planned`, …); empty for non-tensors. */
  storage: string;
  /** Literal value, external key, allocation, constant size… */
  detail: string;
}

/** A page of rows of a method's instruction or value table. */
export interface RowPage<R> {
  total: number;
  start: number;
  rows: R[];
}

export interface DataEntryView {
  key: string;
  /** dtype and shape from the entry's tensor layout; null for opaque blobs. */
  dtype: string | null;
  shape: number[] | null;
  bytes: number;
  fileOffset: number;
  segmentIndex: number;
}

export interface DataFileView {
  fileSize: number;
  layout: 'current' | 'legacy';
  facts: FactView[];
  entries: DataEntryView[];
}

export interface LinkedDataFileView {
  path: string;
  name: string;
  entryCount: number;
  /** Why this file is linked: `chosen` (Link Data Files…), `setting` (pteExplorer.dataFiles), `discovered`. */
  reason: 'chosen' | 'setting' | 'discovered';
}

/** One key a program needs from outside: an EXTERNAL tensor, or a named key asked for by a delegate. */
export interface ExternalKeyView {
  key: string;
  source: 'tensor' | 'delegate';
  method: string;
  /** Value index of the EXTERNAL tensor; null for delegate keys. */
  valueIndex: number | null;
  /** `linear.weight`: `float32[3, 3]`; delegate keys: `1024 bytes`. */
  expected: string;
  status: 'resolved' | 'missing' | 'mismatch' | 'inProgram';
  /** Path of the data file that holds the key (also for mismatches). */
  file: string | null;
  message: string | null;
}

export interface ProblemView {
  severity: 'error' | 'warning';
  kind: string;
  key: string | null;
  message: string;
  method: string | null;
  valueIndex: number | null;
}

export interface LinkView {
  dataFiles: LinkedDataFileView[];
  keys: ExternalKeyView[];
  problems: ProblemView[];
  /** Whether linking has run; false while data files are still being looked for. */
  settled: boolean;
}

export interface TestValueView {
  /** `float32[2, 2]`, `int`, … */
  type: string;
  /** First values, formatted; for scalars, the value. */
  values: string[];
  /** Elements not shown. */
  more: number;
}

export interface TestCaseView {
  suite: number;
  method: string;
  index: number;
  inputs: TestValueView[];
  expectedOutputs: TestValueView[];
}

export interface BundleView {
  facts: FactView[];
  testCases: TestCaseView[];
}

export interface EtdumpEventView {
  run: number;
  index: number;
  kind: string;
  name: string;
  /** Duration in clock units for profile events, size for allocations, value for debug events. */
  detail: string;
  instruction: number | null;
}

/** Profile events of one name (an operator, a delegate's operator, a scope), times formatted in the tick unit. */
export interface EtdumpGroupView {
  name: string;
  kind: string;
  count: number;
  runs: number;
  total: string;
  p10: string;
  p50: string;
  p90: string;
  /** Percent of the runs' `Method::execute` time, empty without one. */
  share: string;
}

/** The profile laid over a program: which file, how many runs, and where it does not fit (empty when it does). */
export interface ProfileFitView {
  file: string;
  runs: number;
  notes: string[];
}

/** The profile laid over a program's instruction list, with the method's per-operator table. */
export interface ProfileNoteView extends ProfileFitView {
  /** The method's per-operator table, slowest first, times formatted in the tick unit. */
  operators: ProfileOperatorView[];
}

/** How a program found its profile, for the overview: the file, why it was taken, and the others offered. */
export interface ProfileLinkView {
  /** The `.etdp` laid over the program, null when none is. */
  file: { name: string; path: string } | null;
  /** `chosen` (Link Profile…), `setting` (pteExplorer.profiles) or `beside` (`<program>.etdp`). */
  reason: 'chosen' | 'setting' | 'beside' | null;
  /** Why the file is not laid over (it does not decode, or is missing). */
  error: string | null;
  /** Methods with runs in it, with their run counts. */
  methods: { name: string; runs: number }[];
  notes: string[];
  /** Other `.etdp` files beside the program (or named by the setting), not laid over. */
  offered: { name: string; path: string }[];
  /** "Unlink Profile" was chosen: nothing is laid over until a profile is linked again. */
  unlinked: boolean;
}

/** The program an `.etdp` is laid over, as its ETDump editor names it. */
export interface EtdumpProgramView {
  name: string;
  path: string;
  /** `chosen`, `setting` or `beside`: how the program found this dump. */
  reason: string;
  methods: { name: string; runs: number }[];
  /** Where the dump does not fit the program; `error` when the program could not be read. */
  notes: string[];
  error: string | null;
}

export interface ProfileOperatorView {
  operator: string;
  /** `delegate`, `portable` or `other`. */
  executor: string;
  instructions: number;
  count: number;
  total: string;
  p10: string;
  p50: string;
  p90: string;
  share: string;
}

export interface EtdumpView {
  facts: FactView[];
  /** `execute`: the run's `Method::execute` time, empty without one. */
  runs: { name: string; events: number; allocators: string[]; profileEvents: number; execute: string }[];
  /** Profile events grouped by operator, slowest first. */
  groups: EtdumpGroupView[];
  tickUnit: string;
  events: EtdumpEventView[];
  /** Events not included because of the cap. */
  omittedEvents: number;
}

export interface ErrorView {
  message: string;
  reason: string;
  /** Field path inside the format, e.g. `execution_plan[0].values[3]`; empty when not known. */
  path: string;
  offset: number | null;
  /** Bytes around the offset: `start` is the file offset of `hex[0]`. */
  bytes: { start: number; hex: string[] } | null;
}

export interface TensorStatsView {
  /** Elements the statistics cover (all, or a sample of a large tensor). */
  count: number;
  finite: number;
  nan: number;
  posInf: number;
  negInf: number;
  /** Null when no element was finite. */
  min: number | null;
  max: number | null;
  mean: number | null;
  std: number | null;
}

export interface HistogramView {
  min: number;
  max: number;
  counts: number[];
}

export interface TensorPreviewView {
  key: string;
  /** The dtype the bytes were read as (the layout's, or the one asked for an opaque blob). */
  dtype: string;
  /** True when the dtype comes from the entry's layout. */
  dtypeFromLayout: boolean;
  shape: number[] | null;
  bytes: number;
  fileOffset: number;
  elementCount: number;
  /** The first elements, formatted; hex bytes when the dtype cannot be decoded. */
  firstValues: string[];
  stats: TensorStatsView | null;
  histogram: HistogramView | null;
  /** Bytes read for the statistics, and whether that was a sample of the tensor. */
  scannedBytes: number;
  sampled: boolean;
  /** Why no statistics could be computed, if so. */
  note: string | null;
}
