import { DataRange } from '../dataRange';

/**
 * The 30-byte `XH00` header of current payloads. Offsets are relative to the
 * start of the payload, as stored.
 */
export interface XnnpackHeader {
  /** Stored header length (30); the runtime does not use it. */
  headerLength: number;
  flatbufferOffset: number;
  flatbufferSize: number;
  constantDataOffset: number;
  constantDataSize: number;
}

export type XnnParam = number | number[] | boolean | string;

/** One operator of the delegate graph. */
export interface XnnNode {
  /** Position in `xnodes`. */
  index: number;
  /** Union member name without the `XNN` prefix (`FullyConnected`, `Conv2d`, …), or `unknown(N)`. */
  kind: string;
  /** Raw union tag. */
  tag: number;
  /** `id_out` values of the operands, in schema order; absent optional operands (0xFFFFFFFF) are left out. */
  inputs: number[];
  /** Schema field name of each entry of `inputs` (`input1_id`, `filter_id`, `bias_id`, …). */
  inputRoles: string[];
  /** `id_out` values of the results. */
  outputs: number[];
  /** Non-operand fields by schema name: kernel sizes, padding, `perm`, `new_shape`, `axis`, `negative_slope`, … */
  params: Record<string, XnnParam>;
  flags: number;
  debugHandle: number;
  /** Fused output clamp, when the node has one. */
  outputMinMax: { min: number; max: number } | null;
}

export type XnnQuantization =
  | { kind: 'perTensor'; scale: number; zeroPoint: number }
  /**
   * `scales` holds the inline f32 scales when the file has them; otherwise
   * they are f32 values in `constant_data[scaleBufferIdx]`.
   */
  | { kind: 'perChannel'; channelDim: number; scales?: number[]; scaleBufferIdx: number; numScales: number }
  /**
   * `scales` holds the inline scales when the file has them (f32, or the
   * deprecated bf16 vector widened to numbers); otherwise they are bf16 values
   * in `constant_data[scaleBufferIdx]`.
   */
  | {
      kind: 'perChannelGroup';
      channelDim: number;
      groupSize: number;
      scales?: number[];
      scaleBufferIdx: number;
      numScales: number;
    }
  | { kind: 'perTokenDynamic'; numNonbatchDims: number };

/** One tensor of the delegate graph; nodes refer to it by `idOut`. */
export interface XnnValue {
  /** Position in `xvalues`. */
  index: number;
  idOut: number;
  /** `fp32`, `fp16`, `qint8`, `qcint4`, … or `unknown(N)`. */
  datatype: string;
  dims: number[];
  /** Argument position in the delegate call, or null for values internal to the graph. */
  externalId: number | null;
  flags: number;
  isInput: boolean;
  isOutput: boolean;
  /** `constant_buffer_idx`: index into `constants`; 0 = no constant data. */
  constantIndex: number;
  quantization: XnnQuantization | null;
}

/**
 * Where one constant's bytes are. `namedKey` entries live in a named data map
 * (the program's `named_data` or a `.ptd`); `payload` entries in the payload's
 * constant region; `legacyBuffer` entries in the bare payload's inline
 * `constant_buffer`. Index 0 is the placeholder and always `none`.
 */
export interface XnnConstant {
  index: number;
  source: 'namedKey' | 'payload' | 'legacyBuffer' | 'none';
  namedKey: string | null;
  /** Bytes as recorded in the payload. */
  size: number;
  /** For `payload` and `legacyBuffer`: the bytes' range measured from the start of the payload. */
  range: DataRange | null;
}

/** A decoded XNNPACK delegate payload (`XNNGraph`). */
export interface XnnpackGraph {
  /** `XH00`: header + flatbuffer (since 2024-01); `bare`: the flatbuffer alone (older payloads). */
  container: 'XH00' | 'bare';
  /** Flatbuffer identifier: `XN01`, `XN00` before 2024-02, anything else is kept as found. */
  identifier: 'XN00' | 'XN01' | string;
  version: string;
  header: XnnpackHeader | null;
  nodes: XnnNode[];
  values: XnnValue[];
  numExterns: number;
  /** `id_out` values of the graph inputs/outputs (the runtime binds arguments by `externalId` instead). */
  inputIds: number[];
  outputIds: number[];
  /** `constant_data` (XH00) or `constant_buffer` (bare), by index. */
  constants: XnnConstant[];
  /** Oddities that do not stop decoding: unknown tags, dangling value ids, suspicious node tables. */
  warnings: string[];
}
