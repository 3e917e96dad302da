import * as tf from '@tensorflow/tfjs-core';
import { matMul, readAndDispose } from './tensors';
import { gatherRows } from './rows';

/**
 * The entropy model's EM arithmetic with all kernels in one product. Per kernel, the E-step
 * is a projection of the rows by L_m^T and the M-step a weighted second moment; done kernel by
 * kernel that is ~10 tfjs kernels per mixture component per iteration, and at 5-20 components
 * the dispatch cost exceeded the FLOPs. Here the factors sit side by side in one [k x Mk]
 * matrix and the weighted rows in one [n x Mk] one: ~15 kernels per iteration whatever M is.
 */

/** Untied mixture parameters as knife.ts keeps them (factors L_m lower-triangular, row-major). */
export interface Untied {
  k: number;
  kernels: number;
  means: Float64Array;
  logWeights: Float64Array;
  factors: Float64Array[];
}

export const LOG2PI = Math.log(2 * Math.PI);

/** Floats in one block's largest intermediate (rows x M k): ~16 MB per worker thread whatever N is. */
export const EM_CELLS = 1 << 22;

/** Rows per block for a model with M kernels in k dims. */
export const emBlockRows = (M: number, k: number): number => Math.max(1, Math.floor(EM_CELLS / (M * k)));

/** [L_1^T ... L_M^T] as [k x Mk], the projected means mu_m^T L_m^T as [Mk], and each kernel's constant. */
function sideBySide(model: Untied): { A: Float32Array; c: Float32Array; bias: Float32Array } {
  const { k, kernels: M } = model;
  const A = new Float32Array(k * M * k);
  const c = new Float32Array(M * k);
  const bias = new Float32Array(M);
  for (let m = 0; m < M; m++) {
    const L = model.factors[m];
    let logDiag = 0;
    for (let i = 0; i < k; i++) {
      logDiag += Math.log(L[i * k + i]);
      let v = 0;
      // (L^T)[j][i] = L[i][j]: column i of the block is row i of L.
      for (let j = 0; j <= i; j++) {
        A[j * M * k + m * k + i] = L[i * k + j];
        v += model.means[m * k + j] * L[i * k + j];
      }
      c[m * k + i] = v;
    }
    bias[m] = model.logWeights[m] + logDiag - 0.5 * k * LOG2PI;
  }
  return { A, c, bias };
}

/** Per-kernel log densities [n x M] (log weights included) of the rows z [n x k]. */
export function untiedLogits(model: Untied, z: tf.Tensor2D): tf.Tensor2D {
  const { k, kernels: M } = model;
  const { A, c, bias } = sideBySide(model);
  const n = z.shape[0];
  return tf.tidy(() => {
    const proj = tf.sub(matMul(z, tf.tensor2d(A, [k, M * k])), tf.tensor1d(c)); // [n x Mk]
    const quad = tf.sum(tf.reshape(tf.square(proj), [n, M, k]), 2); // [n x M]
    return tf.add(tf.mul(quad, -0.5), tf.tensor1d(bias)) as tf.Tensor2D;
  });
}

/** Sufficient statistics of one E-step: responsibilities summed, first moments [k x M], second moments per kernel [k x k]. */
export interface EmStats {
  nk: Float64Array;
  s1: Float64Array;
  s2: Float64Array[];
}

/**
 * The rows' pairwise products z_a z_b (a <= b), [rows x k(k+1)/2] in blocks, kept for a fit:
 * they do not change between EM iterations, and with them every kernel's second moment is one
 * product resp^T Q ([M x rows] x [rows x k(k+1)/2]), half the arithmetic of z^T (resp (x) z)
 * and without its [rows x Mk] broadcast: the moments 2.5x faster at M = 5, 10x at M = 20
 * (k = 32, 3,600 rows; a whole EM iteration 2x at 5). Kept only up to MOMENT_VALUES a fit (16k
 * rows at k = 32); a larger fit (a refit on all rows of a big dump) takes the path without them.
 */
export interface RowMoments {
  /** rows per block (the E-step's logits and a block of products both stay within EM_CELLS) */
  step: number;
  blocks: tf.Tensor2D[];
}

/** Values of kept pairwise products per fit (32 MiB on the thread's heap). */
export const MOMENT_VALUES = 1 << 23;

const pairs = (k: number) => (k * (k + 1)) / 2;

/**
 * The pairwise products of the rows z [n x k] (JS memory; with `rows`, of rows[0..n) of z), for
 * fits of up to `maxKernels` kernels; undefined above MOMENT_VALUES.
 */
export function rowMoments(
  z: Float32Array,
  n: number,
  k: number,
  maxKernels: number,
  budget = MOMENT_VALUES,
  rows?: Int32Array,
): RowMoments | undefined {
  const P = pairs(k);
  if (n * P > budget) return;
  const step = Math.max(1, Math.floor(EM_CELLS / Math.max(P, maxKernels * k)));
  const blocks: tf.Tensor2D[] = [];
  try {
    for (let a = 0; a < n; a += step) {
      const count = Math.min(step, n - a);
      const q = new Float32Array(count * P);
      for (let i = 0, o = 0; i < count; i++) {
        const r = (rows ? rows[a + i] : a + i) * k;
        for (let u = 0; u < k; u++) {
          const v = z[r + u];
          for (let w = u; w < k; w++) q[o++] = v * z[r + w];
        }
      }
      blocks.push(tf.tensor2d(q, [count, P]));
    }
  } catch (e) {
    for (const b of blocks) b.dispose();
    throw e;
  }
  return { step, blocks };
}

export function disposeMoments(m: RowMoments | null | undefined): void {
  for (const b of m?.blocks ?? []) b.dispose();
}

/**
 * A fit's rows [n x k], visited a block at a time. Resident: one tensor on the thread's heap,
 * sliced per block (a fit visits its rows ~100 times). Gathered: each block gathered from the
 * shared coordinates and uploaded at each visit, so that a refit on all rows of a big dump
 * holds a block, not a copy of its rows in JS memory and another on the heap (92 MB each a
 * thread at 720,000 rows and k = 32); past RESIDENT_VALUES.
 */
export interface RowBlocks {
  readonly n: number;
  readonly k: number;
  /** rows a..a + count as a tensor, handed back to `release` after use */
  take(a: number, count: number): tf.Tensor2D;
  release(block: tf.Tensor2D): void;
  dispose(): void;
}

/** Values (rows x k) of a fit's rows kept resident: 32 MiB, ~262k rows at k = 32. */
export const RESIDENT_VALUES = 1 << 23;

/**
 * Rows `rows` of z [. x k]: resident up to `residentValues` values, else gathered per block
 * into one buffer, so that a pass leaves no garbage behind. One block at a time: the cpu and
 * node backends keep the array a tensor is made from, so a block must be released before
 * the next is taken (every user does so).
 */
export function rowBlocks(z: Float32Array, k: number, rows: Int32Array, residentValues = RESIDENT_VALUES): RowBlocks {
  const n = rows.length;
  if (n * k <= residentValues) return residentRows(tf.tensor2d(gatherRows(z, k, rows), [n, k]));
  let buffer = new Float32Array(0);
  let out = false;
  return {
    n,
    k,
    take: (a, count) => {
      if (out) throw new Error('rowBlocks: a block is still in use');
      if (buffer.length < count * k) buffer = new Float32Array(count * k);
      const block = tf.tensor2d(gatherRows(z, k, rows.subarray(a, a + count), buffer), [count, k]);
      out = true;
      return block;
    },
    release: (block) => {
      block.dispose();
      out = false;
    },
    dispose: () => {},
  };
}

/** The rows of one tensor [n x k] (disposed with the blocks). */
export function residentRows(zt: tf.Tensor2D): RowBlocks {
  const [n, k] = zt.shape;
  return {
    n,
    k,
    take: (a, count) => (a === 0 && count === n ? zt : (tf.slice(zt, [a, 0], [count, k]) as tf.Tensor2D)),
    release: (block) => {
      if (block !== zt) block.dispose();
    },
    dispose: () => zt.dispose(),
  };
}

/**
 * One E-step over the rows [n x k], in blocks of rows, summed in float64: with the rows'
 * pairwise products when they are kept (rowMoments), else each block is transposed for the
 * moment products (wasm's transposed matmul is ~10x slower), where a kept transpose of all
 * rows held as much of the thread's heap as the rows.
 */
export function emStats(model: Untied, rows: RowBlocks, moments?: RowMoments): EmStats {
  const { k, kernels: M } = model;
  const { n } = rows;
  const out: EmStats = {
    nk: new Float64Array(M),
    s1: new Float64Array(k * M),
    s2: Array.from({ length: M }, () => new Float64Array(k * k)),
  };
  // The products' blocks bound the logits' only for the kernel counts they were made for.
  const q = moments && M * k * moments.step <= EM_CELLS ? moments : undefined;
  const step = q ? q.step : emBlockRows(M, k);
  for (let a = 0, b = 0; a < n; a += step, b++) {
    const count = Math.min(step, n - a);
    if (q && q.blocks[b]?.shape[0] !== count) throw new Error(`EM: pairwise products of other rows (block ${b})`);
    const z = rows.take(a, count);
    try {
      if (q) addFromMoments(out, model, z, q.blocks[b]);
      else addFromRows(out, model, z);
    } finally {
      rows.release(z);
    }
  }
  return out;
}

/** Responsibilities [rows x M] of a block of rows. */
function responsibilities(model: Untied, z: tf.Tensor2D): tf.Tensor2D {
  const logits = untiedLogits(model, z);
  return tf.exp(tf.sub(logits, tf.logSumExp(logits, 1, true))) as tf.Tensor2D;
}

/** One block's statistics from its pairwise products q: resp^T z and resp^T q. */
function addFromMoments(out: EmStats, model: Untied, z: tf.Tensor2D, q: tf.Tensor2D): void {
  const { k, kernels: M } = model;
  const t = tf.tidy(() => {
    const respT = tf.transpose(responsibilities(model, z)); // [M x rows], small
    return { nk: tf.sum(respT, 1), s1: matMul(respT, z) /* [M x k] */, s2: matMul(respT, q) /* [M x P] */ };
  });
  const [nk, s1, s2] = [readAndDispose(t.nk), readAndDispose(t.s1), readAndDispose(t.s2)];
  const P = pairs(k);
  for (let m = 0; m < M; m++) {
    out.nk[m] += nk[m];
    for (let j = 0; j < k; j++) out.s1[j * M + m] += s1[m * k + j];
    const dst = out.s2[m];
    for (let u = 0, o = m * P; u < k; u++)
      for (let w = u; w < k; w++, o++) {
        dst[u * k + w] += s2[o];
        if (w !== u) dst[w * k + u] += s2[o];
      }
  }
}

/** One block's statistics from the rows alone: z^T resp and z^T (resp (x) z), the block transposed. */
function addFromRows(out: EmStats, model: Untied, z: tf.Tensor2D): void {
  const { k, kernels: M } = model;
  const rows = z.shape[0];
  const t = tf.tidy(() => {
    const zT = tf.transpose(z);
    const resp = responsibilities(model, z);
    // Row i of the weighted block holds r_im z_i for every m: one product gives every kernel's moment.
    const weighted = tf.reshape(tf.mul(tf.reshape(resp, [rows, M, 1]), tf.reshape(z, [rows, 1, k])), [rows, M * k]);
    return { nk: tf.sum(resp, 0), s1: matMul(zT, resp), s2: matMul(zT, weighted) /* [k x Mk] */ };
  });
  const [nk, s1, s2] = [readAndDispose(t.nk), readAndDispose(t.s1), readAndDispose(t.s2)];
  for (let m = 0; m < M; m++) out.nk[m] += nk[m];
  for (let i = 0; i < s1.length; i++) out.s1[i] += s1[i];
  for (let i = 0; i < k; i++)
    for (let m = 0; m < M; m++) {
      const dst = out.s2[m];
      for (let j = 0; j < k; j++) dst[i * k + j] += s2[i * M * k + m * k + j];
    }
}
