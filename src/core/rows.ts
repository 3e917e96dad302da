/** Copy the given rows of a row-major [n x d] matrix into a new [rows x d] matrix. */
export function gatherRows(x: Float32Array, d: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) out.set(x.subarray(rows[i] * d, rows[i] * d + d), i * d);
  return out;
}

/** A row-major [n x dim] matrix. */
export interface Columns {
  data: Float32Array;
  dim: number;
}

/**
 * The features of every row: one matrix, or a joint input's modalities side by side. A joint
 * input is never concatenated whole (at 1M rows that copy was 0.5 GB, twice while it was
 * made); its rows are joined as they are gathered, a batch or a block at a time.
 */
export interface Features {
  dim: number;
  parts: Columns[];
}

export function sideBySide(...parts: Columns[]): Features {
  return { dim: parts.reduce((a, p) => a + p.dim, 0), parts };
}

/** The given rows of x as a new [rows x dim] matrix. */
export function gather(x: Features, rows: ArrayLike<number>): Float32Array {
  if (x.parts.length === 1) return gatherRows(x.parts[0].data, x.dim, rows);
  const out = new Float32Array(rows.length * x.dim);
  let at = 0;
  for (const { data, dim } of x.parts) {
    for (let i = 0; i < rows.length; i++) out.set(data.subarray(rows[i] * dim, rows[i] * dim + dim), i * x.dim + at);
    at += dim;
  }
  return out;
}

/** Values a pass over many rows gathers at once (4 MiB): what it holds is bounded, not N x D. */
export const BLOCK_VALUES = 1 << 20;

/** Visits `rows` in consecutive blocks of at most `values / dim` rows (at least one), with each block's offset. */
export function forBlocks(
  rows: Int32Array,
  dim: number,
  visit: (block: Int32Array, at: number) => void,
  values = BLOCK_VALUES,
): void {
  const size = Math.max(1, Math.floor(values / Math.max(1, dim)));
  for (let at = 0; at < rows.length; at += size) visit(rows.subarray(at, Math.min(rows.length, at + size)), at);
}

/** A zeroed float32 array in shared memory: worker threads read it without a copy. */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4));
}

/** The array in shared memory: itself when it is already there, else a copy. */
export function toShared(a: Float32Array): Float32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = sharedFloat32(a.length);
  out.set(a);
  return out;
}
