/**
 * A dense host-side array as read from or written to a dump. `data` is row-major
 * (C order) whatever the file stored, and holds the values in their own dtype.
 */
export type DType =
  'f64' | 'f32' | 'f16' | 'bf16' | 'i64' | 'i32' | 'i16' | 'i8' | 'u64' | 'u32' | 'u16' | 'u8' | 'bool';

export type TypedData =
  | Float64Array
  | Float32Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | BigUint64Array
  | Uint32Array
  | Uint16Array
  | Uint8Array;

export interface HostTensor {
  dtype: DType;
  shape: number[];
  /** f16 and bf16 are stored as their raw 16-bit patterns in a Uint16Array. */
  data: TypedData;
}

export const DTYPE_BYTES: Record<DType, number> = {
  f64: 8,
  f32: 4,
  f16: 2,
  bf16: 2,
  i64: 8,
  i32: 4,
  i16: 2,
  i8: 1,
  u64: 8,
  u32: 4,
  u16: 2,
  u8: 1,
  bool: 1,
};

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** IEEE half -> float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** float -> IEEE half, round to nearest even. */
export function floatToHalf(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa rounds up into the exponent, as IEEE wants.
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function bf16ToFloat(b: number): number {
  u32buf[0] = b << 16;
  return f32buf[0];
}

/** float -> bfloat16, round to nearest even (NaN kept quiet). */
export function floatToBf16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0];
  if (Number.isNaN(v)) return (x >>> 16) | 0x40;
  const lsb = (x >>> 16) & 1;
  return ((x + 0x7fff + lsb) >>> 16) & 0xffff;
}

/** Element i as a JS number (int64 beyond 2^53 loses precision; callers validate labels). */
export function elementAsNumber(t: HostTensor, i: number): number {
  const v = t.data[i];
  if (typeof v === 'bigint') return Number(v);
  if (t.dtype === 'f16') return halfToFloat(v);
  if (t.dtype === 'bf16') return bf16ToFloat(v);
  return v;
}

/** All values as float64, the engine's input type for features. */
export function toFloat64(t: HostTensor): Float64Array {
  const n = t.data.length;
  const out = new Float64Array(n);
  if (t.dtype === 'f16') for (let i = 0; i < n; i++) out[i] = halfToFloat(t.data[i] as number);
  else if (t.dtype === 'bf16') for (let i = 0; i < n; i++) out[i] = bf16ToFloat(t.data[i] as number);
  else if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array)
    for (let i = 0; i < n; i++) out[i] = Number(t.data[i]);
  else out.set(t.data as ArrayLike<number>);
  return out;
}

/** A zeroed array of `n` elements of `dtype`; a float32 one in shared memory when `shared`. */
export function allocate(dtype: DType, n: number, shared = false): TypedData {
  switch (dtype) {
    case 'f64':
      return new Float64Array(n);
    case 'f32':
      return shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n);
    case 'f16':
    case 'bf16':
    case 'u16':
      return new Uint16Array(n);
    case 'i64':
      return new BigInt64Array(n);
    case 'u64':
      return new BigUint64Array(n);
    case 'i32':
      return new Int32Array(n);
    case 'u32':
      return new Uint32Array(n);
    case 'i16':
      return new Int16Array(n);
    case 'i8':
      return new Int8Array(n);
    case 'u8':
    case 'bool':
      return new Uint8Array(n);
  }
}

/** Build a tensor of `dtype` from plain numbers (used by writers, tests and the demo). */
export function fromNumbers(dtype: DType, shape: number[], values: ArrayLike<number>): HostTensor {
  const n = numel(shape);
  if (values.length !== n) throw new Error(`fromNumbers: ${values.length} values for shape [${shape}]`);
  const data = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(Math.trunc(v));
    else if (dtype === 'f16') data[i] = floatToHalf(v);
    else if (dtype === 'bf16') data[i] = floatToBf16(v);
    else if (dtype === 'bool') data[i] = v ? 1 : 0;
    else data[i] = v;
  }
  return { dtype, shape, data };
}

/** Read `n` elements of `dtype` from bytes at `offset` with the given byte order. */
export function decodeElements(
  bytes: Uint8Array,
  offset: number,
  dtype: DType,
  n: number,
  littleEndian: boolean,
): TypedData {
  const size = DTYPE_BYTES[dtype];
  const out = allocate(dtype, n);
  // Fast path: aligned little-endian copy.
  if (littleEndian) {
    const copy = bytes.slice(offset, offset + n * size);
    const Ctor = out.constructor as unknown as new (b: ArrayBuffer) => TypedData;
    return new Ctor(copy.buffer);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, n * size);
  for (let i = 0; i < n; i++) {
    const p = i * size;
    switch (dtype) {
      case 'f64':
        (out as Float64Array)[i] = view.getFloat64(p, false);
        break;
      case 'f32':
        (out as Float32Array)[i] = view.getFloat32(p, false);
        break;
      case 'f16':
      case 'bf16':
      case 'u16':
        (out as Uint16Array)[i] = view.getUint16(p, false);
        break;
      case 'i64':
        (out as BigInt64Array)[i] = view.getBigInt64(p, false);
        break;
      case 'u64':
        (out as BigUint64Array)[i] = view.getBigUint64(p, false);
        break;
      case 'i32':
        (out as Int32Array)[i] = view.getInt32(p, false);
        break;
      case 'u32':
        (out as Uint32Array)[i] = view.getUint32(p, false);
        break;
      case 'i16':
        (out as Int16Array)[i] = view.getInt16(p, false);
        break;
      case 'i8':
        (out as Int8Array)[i] = view.getInt8(p);
        break;
      case 'u8':
      case 'bool':
        (out as Uint8Array)[i] = view.getUint8(p);
        break;
    }
  }
  return out;
}

/** Little-endian bytes of a tensor's data. */
export function encodeLittleEndian(t: HostTensor): Uint8Array {
  // A copy (also of features read into shared memory: the bytes must be the writer's own).
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();
}

/** Fortran-ordered data (first index fastest) -> C order. */
export function fortranToC(data: TypedData, shape: number[]): TypedData {
  if (shape.length < 2) return data;
  const n = data.length;
  const out = new (data.constructor as new (n: number) => TypedData)(n);
  const rank = shape.length;
  const cStride = new Array<number>(rank);
  const fStride = new Array<number>(rank);
  cStride[rank - 1] = 1;
  for (let k = rank - 2; k >= 0; k--) cStride[k] = cStride[k + 1] * shape[k + 1];
  fStride[0] = 1;
  for (let k = 1; k < rank; k++) fStride[k] = fStride[k - 1] * shape[k - 1];
  const idx = new Array<number>(rank).fill(0);
  for (let f = 0; f < n; f++) {
    let c = 0;
    for (let k = 0; k < rank; k++) c += idx[k] * cStride[k];
    (out as unknown as number[])[c] = (data as unknown as number[])[f];
    for (let k = 0; k < rank; k++) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** The bytes of a typed array, as a view (no copy). */
export function bytesOf(data: TypedData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Reverse the byte order of every `size`-byte element, in place (big-endian <-> little-endian). */
export function swapBytesInPlace(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  for (let p = 0; p + size <= bytes.length; p += size) {
    for (let a = p, b = p + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

/**
 * `n` little-endian elements of `dtype` at the start of `bytes` as a typed array: a view when
 * the bytes are aligned for the element size (no copy), else a copy.
 */
export function viewLittleEndian(bytes: Uint8Array, dtype: DType, n: number): TypedData {
  const size = DTYPE_BYTES[dtype];
  const Ctor = allocate(dtype, 0).constructor as unknown as new (b: ArrayBufferLike, o: number, n: number) => TypedData;
  if (bytes.byteOffset % size === 0) return new Ctor(bytes.buffer, bytes.byteOffset, n);
  const copy = bytes.slice(0, n * size);
  return new Ctor(copy.buffer, 0, n);
}
