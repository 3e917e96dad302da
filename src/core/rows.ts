/** Copy the given rows of a row-major [n x d] matrix into a new [rows x d] matrix (or the start of `into`). */
export function gatherRows(x: Float32Array, d: number, rows: ArrayLike<number>, into?: Float32Array): Float32Array {
  const out = into ? into.subarray(0, rows.length * d) : new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) out.set(x.subarray(rows[i] * d, rows[i] * d + d), i * d);
  return out;
}

/**
 * z-scores read from the raw features: column `cols[c]` of a row of `stride` raw values,
 * minus mean[c], over std[c] (computed in float64 and stored as float32, as a z-scored copy
 * would hold them). The probes read a modality's features this way instead of a z-scored copy
 * of them (as large as the dump: 256 MB a modality at 1M x 64).
 */
export interface Standardize {
  stride: number;
  cols: Int32Array;
  mean: Float64Array;
  std: Float64Array;
}

/** A row-major [n x dim] matrix, or with `standardize` its z-scores from raw rows. */
export interface Columns {
  data: Float32Array;
  dim: number;
  standardize?: Standardize;
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
  const [only] = x.parts;
  if (x.parts.length === 1 && !only.standardize) return gatherRows(only.data, x.dim, rows);
  return gatherBy(x, rows.length, (i) => rows[i]);
}

function gatherBy(x: Features, count: number, row: (i: number) => number, into?: Float32Array): Float32Array {
  const out = into ? into.subarray(0, count * x.dim) : new Float32Array(count * x.dim);
  let at = 0;
  for (const p of x.parts) {
    gatherInto(p, count, row, out, x.dim, at);
    at += p.dim;
  }
  return out;
}

/** Rows of one part into columns at..at + p.dim of out (rows of `width`); row(i) is the i-th row's index. */
function gatherInto(
  p: Columns,
  count: number,
  row: (i: number) => number,
  out: Float32Array,
  width: number,
  at: number,
) {
  const z = p.standardize;
  if (!z) {
    for (let i = 0; i < count; i++) out.set(p.data.subarray(row(i) * p.dim, row(i) * p.dim + p.dim), i * width + at);
    return;
  }
  for (let i = 0; i < count; i++) {
    const from = row(i) * z.stride,
      to = i * width + at;
    for (let c = 0; c < p.dim; c++) out[to + c] = (p.data[from + z.cols[c]] - z.mean[c]) / z.std[c];
  }
}

/** Rows a..a + count of x, as gather would give them (written into the start of `into` when given). */
export function rowRange(x: Features, a: number, count: number, into?: Float32Array): Float32Array {
  return gatherBy(x, count, (i) => a + i, into);
}

/** Values a pass over many rows gathers at once (4 MiB): what it holds is bounded, not N x D. */
const BLOCK_VALUES = 1 << 20;

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
