import { DumpError } from './errors';
import {
  DType, DTYPE_BYTES, HostTensor, decodeElements, encodeLittleEndian, fortranToC, numel,
} from './tensor';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const KIND_TO_DTYPE: Record<string, DType> = {
  f8: 'f64', f4: 'f32', f2: 'f16',
  i8: 'i64', i4: 'i32', i2: 'i16', i1: 'i8',
  u8: 'u64', u4: 'u32', u2: 'u16', u1: 'u8',
  b1: 'bool',
};
const DTYPE_TO_DESCR: Record<DType, string | undefined> = {
  f64: '<f8', f32: '<f4', f16: '<f2', bf16: undefined,
  i64: '<i8', i32: '<i4', i16: '<i2', i8: '|i1',
  u64: '<u8', u32: '<u4', u16: '<u2', u8: '|u1',
  bool: '|b1',
};

/** Parse a `.npy` file (format 1.0, 2.0 or 3.0). `file` names the source in errors. */
export function parseNpy(bytes: Uint8Array, file: string): HostTensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new DumpError(file, 'not a .npy file (bad magic bytes)');
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw new DumpError(file, `unsupported .npy format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new DumpError(file, 'truncated .npy header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  if (start + headerLen > bytes.length) throw new DumpError(file, 'truncated .npy header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));

  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    if (/'descr'\s*:\s*\[/.test(header)) throw new DumpError(file, 'structured (record) dtypes are not supported');
    throw new DumpError(file, `malformed .npy header: ${header.trim().slice(0, 120)}`);
  }
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map((s) => {
    const v = Number(s.replace(/L$/, ''));
    if (!Number.isInteger(v) || v < 0) throw new DumpError(file, `malformed .npy shape (${shapeText})`);
    return v;
  });
  const m = /^([<>|=])?([a-zA-Z])(\d+)$/.exec(descr);
  const dtype = m ? KIND_TO_DTYPE[`${m[2]}${m[3]}`] : undefined;
  if (!m || !dtype) throw new DumpError(file, `unsupported dtype '${descr}' (numeric and bool dtypes only)`);
  const littleEndian = m[1] !== '>';
  const n = numel(shape);
  const need = n * DTYPE_BYTES[dtype];
  const dataStart = start + headerLen;
  if (bytes.length - dataStart < need) {
    throw new DumpError(file, `truncated data: shape [${shape}] of ${descr} needs ${need} bytes, file has ${bytes.length - dataStart}`);
  }
  let data = decodeElements(bytes, dataStart, dtype, n, littleEndian);
  if (fortran === 'True') data = fortranToC(data, shape);
  return { dtype, shape, data };
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
