import { DumpError } from './errors';
import { MAX_NPY_HEADER_BYTES } from './limits';
import {
  DType,
  DTYPE_BYTES,
  HostTensor,
  TypedData,
  decodeElements,
  encodeLittleEndian,
  fortranToC,
  numel,
  swapBytesInPlace,
  viewLittleEndian,
} from './tensor';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const KIND_TO_DTYPE: Record<string, DType> = {
  f8: 'f64',
  f4: 'f32',
  f2: 'f16',
  i8: 'i64',
  i4: 'i32',
  i2: 'i16',
  i1: 'i8',
  u8: 'u64',
  u4: 'u32',
  u2: 'u16',
  u1: 'u8',
  b1: 'bool',
};
const DTYPE_TO_DESCR: Record<DType, string | undefined> = {
  f64: '<f8',
  f32: '<f4',
  f16: '<f2',
  bf16: undefined,
  i64: '<i8',
  i32: '<i4',
  i16: '<i2',
  i8: '|i1',
  u64: '<u8',
  u32: '<u4',
  u16: '<u2',
  u8: '|u1',
  bool: '|b1',
};

/** What a .npy header declares, and where its data lies. */
export interface NpyHeader {
  dtype: DType;
  descr: string;
  shape: number[];
  fortran: boolean;
  littleEndian: boolean;
  numel: number;
  /** Byte offset of the data from the start of the .npy bytes. */
  dataStart: number;
  /** Bytes of data the shape and dtype need. */
  dataBytes: number;
}

/** Bytes a reader must have to parse the header: enough for the preamble. */
export const NPY_PREAMBLE_BYTES = 12;

/**
 * Where the header ends (preamble + header), from the first bytes of a .npy of `total` bytes.
 * `prefix` must hold at least min(total, NPY_PREAMBLE_BYTES) bytes.
 */
export function npyHeaderEnd(prefix: Uint8Array, file: string, total = prefix.length): number {
  if (total < 10 || prefix.length < 10 || MAGIC.some((b, i) => prefix[i] !== b)) {
    throw new DumpError(file, 'not a .npy file (bad magic bytes)');
  }
  const major = prefix[6];
  if (major < 1 || major > 3) throw new DumpError(file, `unsupported .npy format version ${major}.${prefix[7]}`);
  const lenBytes = major === 1 ? 2 : 4;
  if (total < 8 + lenBytes || prefix.length < 8 + lenBytes) throw new DumpError(file, 'truncated .npy header');
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLen > MAX_NPY_HEADER_BYTES) {
    throw new DumpError(file, `.npy header of ${headerLen} bytes exceeds the ${MAX_NPY_HEADER_BYTES}-byte cap`);
  }
  const end = 8 + lenBytes + headerLen;
  if (end > total) throw new DumpError(file, 'truncated .npy header');
  return end;
}

/**
 * Parse the header of a .npy of `total` bytes whose first bytes (at least up to the header's
 * end) are `bytes`; checks that `total` holds the data the header declares.
 */
export function parseNpyHeader(bytes: Uint8Array, file: string, total = bytes.length): NpyHeader {
  const end = npyHeaderEnd(bytes, file, total);
  if (bytes.length < end) throw new DumpError(file, 'truncated .npy header');
  const major = bytes[6];
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, end));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    if (/'descr'\s*:\s*\[/.test(header)) throw new DumpError(file, 'structured (record) dtypes are not supported');
    throw new DumpError(file, `malformed .npy header: ${header.trim().slice(0, 120)}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      const v = Number(s.replace(/L$/, ''));
      if (!Number.isSafeInteger(v) || v < 0) throw new DumpError(file, `malformed .npy shape (${shapeText})`);
      return v;
    });
  const m = /^([<>|=])?([a-zA-Z])(\d+)$/.exec(descr);
  const dtype = m ? KIND_TO_DTYPE[`${m[2]}${m[3]}`] : undefined;
  if (!m || !dtype) throw new DumpError(file, `unsupported dtype '${descr}' (numeric and bool dtypes only)`);
  const n = numel(shape);
  const need = n * DTYPE_BYTES[dtype];
  if (!Number.isSafeInteger(need) || total - end < need) {
    throw new DumpError(
      file,
      `truncated data: shape [${shape}] of ${descr} needs ${need} bytes, file has ${total - end}`,
    );
  }
  return {
    dtype,
    descr,
    shape,
    fortran: fortran === 'True',
    littleEndian: m[1] !== '>',
    numel: n,
    dataStart: end,
    dataBytes: need,
  };
}

/**
 * The tensor from its data bytes (exactly `h.dataBytes`, owned by the caller and free to be
 * reused: byte order is fixed in place and the array may be a view of them).
 */
export function decodeNpyOwned(h: NpyHeader, data: Uint8Array): HostTensor {
  if (!h.littleEndian) swapBytesInPlace(data, DTYPE_BYTES[h.dtype]);
  let out: TypedData = viewLittleEndian(data, h.dtype, h.numel);
  if (h.fortran) out = fortranToC(out, h.shape);
  return { dtype: h.dtype, shape: h.shape, data: out };
}

/** Parse a `.npy` file (format 1.0, 2.0 or 3.0). `file` names the source in errors. */
export function parseNpy(bytes: Uint8Array, file: string): HostTensor {
  const h = parseNpyHeader(bytes, file);
  let data = decodeElements(bytes, h.dataStart, h.dtype, h.numel, h.littleEndian);
  if (h.fortran) data = fortranToC(data, h.shape);
  return { dtype: h.dtype, shape: h.shape, data };
}

/** Serialise a tensor as `.npy` (format 1.0, or 2.0 when the header needs it). bf16 has no numpy dtype. */
export function encodeNpy(t: HostTensor, file = '<tensor>'): Uint8Array {
  const descr = DTYPE_TO_DESCR[t.dtype];
  if (!descr) throw new DumpError(file, `dtype ${t.dtype} cannot be stored in .npy (numpy has no bfloat16)`);
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const major = header.length + 11 > 65535 ? 2 : 1;
  const pre = major === 1 ? 10 : 12;
  const pad = 64 - ((pre + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const body = encodeLittleEndian(t);
  const out = new Uint8Array(pre + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), pre);
  out.set(body, pre + header.length);
  return out;
}
