import { DumpError } from './errors';
import { HostTensor, bf16ToFloat, halfToFloat } from './tensor';

/** Feature (and logits) tensors of a dump: their shape checks and their float32 values. */

const FLOAT_OR_INT = new Set(['f64', 'f32', 'f16', 'bf16', 'i64', 'i32', 'i16', 'i8', 'u64', 'u32', 'u16', 'u8']);

/** Check a feature (or logits) tensor's dtype and shape, before anything is allocated for it. */
export function checkFeatureShape(file: string, name: string, t: HostTensor, n: number): void {
  if (!FLOAT_OR_INT.has(t.dtype)) throw new DumpError(file, `'${name}' has dtype ${t.dtype}; features must be numeric`);
  if (t.shape.length !== 2) throw new DumpError(file, `'${name}' must be 2-D [N, D], got shape [${t.shape}]`);
  if (t.shape[0] !== n) throw new DumpError(file, `'${name}' has ${t.shape[0]} rows but y has ${n} labels`);
  if (t.shape[1] === 0) throw new DumpError(file, `'${name}' has zero feature columns`);
}

/**
 * Float32 read into shared memory already (read-plan.ts): features keep it as read, checked
 * where it is, not copied (and the read budget charges no decoded copy for it).
 */
export function keptAsRead(t: HostTensor): boolean {
  return t.data instanceof Float32Array && t.data.buffer instanceof SharedArrayBuffer;
}

/** Features as float32, straight from their dtype (no float64 copy); non-finite values are refused. */
export function features(file: string, name: string, t: HostTensor): Float32Array {
  const d = t.data;
  const n = d.length;
  const cols = t.shape[1];
  if (keptAsRead(t)) return finite(file, name, d as Float32Array, cols);
  // In shared memory: the engine's threads read the features without a copy each (at 1M x 64
  // those copies were 256 MB a modality per thread).
  const out = new Float32Array(new SharedArrayBuffer(n * 4));
  const bad = (i: number, x: number): never => {
    throw nonFinite(file, name, i, cols, x);
  };
  if (t.dtype === 'f16' || t.dtype === 'bf16') {
    const conv = t.dtype === 'f16' ? halfToFloat : bf16ToFloat;
    const h = d as Uint16Array;
    for (let i = 0; i < n; i++) {
      const x = conv(h[i]);
      if (!Number.isFinite(x)) bad(i, x);
      out[i] = x;
    }
  } else if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    for (let i = 0; i < n; i++) out[i] = Number(d[i]);
  } else {
    out.set(d as ArrayLike<number>);
    if (t.dtype === 'f32' || t.dtype === 'f64') {
      for (let i = 0; i < n; i++) {
        if (!Number.isFinite(out[i])) {
          const x = (d as Float32Array | Float64Array)[i];
          if (!Number.isFinite(x)) bad(i, x);
          throw new DumpError(
            file,
            `'${name}' has a value (${x}) at row ${Math.floor(i / cols)}, column ${i % cols} too large for float32`,
          );
        }
      }
    }
  }
  return out;
}

function nonFinite(file: string, name: string, i: number, cols: number, x: number): DumpError {
  return new DumpError(
    file,
    `'${name}' has a non-finite value (${x}) at row ${Math.floor(i / cols)}, column ${i % cols}`,
  );
}

/** The float32 features themselves, once every value is checked finite. */
function finite(file: string, name: string, d: Float32Array, cols: number): Float32Array {
  for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) throw nonFinite(file, name, i, cols, d[i]);
  return d;
}
