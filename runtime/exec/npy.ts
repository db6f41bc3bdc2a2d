import { InvalidInputError } from './errors';
import { castTensor, DType, numel, Tensor, tensorBytes, tensorFromBytes } from './tensor';

/**
 * NumPy `.npy` files (format 1.0 to write; 1.0–3.0 to read), little-endian,
 * C order. NumPy has no bfloat16, so bfloat16 tensors are written as float32.
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR: Partial<Record<DType, string>> = {
  bool: '|b1',
  uint8: '|u1',
  int8: '|i1',
  int16: '<i2',
  int32: '<i4',
  int64: '<i8',
  uint16: '<u2',
  uint32: '<u4',
  uint64: '<u8',
  float16: '<f2',
  float32: '<f4',
  float64: '<f8',
};

const BY_DESCR = new Map<string, DType>(Object.entries(DESCR).map(([dtype, descr]) => [descr, dtype as DType]));

function shapeTuple(shape: readonly number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

export function writeNpy(tensor: Tensor): Uint8Array {
  const t = tensor.dtype === 'bfloat16' ? castTensor(tensor, 'float32') : tensor;
  const descr = DESCR[t.dtype]!;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeTuple(t.shape)}, }`;
  // Pad so the data starts at a multiple of 64, ending the header with a newline.
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const body = tensorBytes(t);
  const out = new Uint8Array(MAGIC.length + 4 + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}

export function readNpy(bytes: Uint8Array, file: string): Tensor {
  const fail = (message: string): never => {
    throw new InvalidInputError(`${file}: ${message}`);
  };
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) fail('not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated header');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    return fail(`unsupported .npy version ${major}.${bytes[7]}`);
  }
  if (headerStart + headerLength > bytes.length) fail(`header of ${headerLength} bytes runs past the end of the file`);
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    fail(`cannot read the header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') fail('Fortran-order arrays are not supported; save with C order');
  const dtype = BY_DESCR.get(descr!) ?? BY_DESCR.get(descr!.replace(/^=/, '<'));
  if (!dtype) fail(`unsupported element type '${descr}' (little-endian bool, integer and float types only)`);
  const shape = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const d = Number(s);
      if (!Number.isSafeInteger(d) || d < 0) fail(`bad shape entry '${s}'`);
      return d;
    });
  const dataStart = headerStart + headerLength;
  const size = numel(shape) * (DESCR[dtype!]!.endsWith('1') ? 1 : Number(DESCR[dtype!]!.slice(2)));
  if (dataStart + size > bytes.length)
    fail(`data of ${size} bytes runs past the end of the file (${bytes.length} bytes)`);
  return tensorFromBytes(dtype!, shape, bytes.slice(dataStart, dataStart + size));
}
