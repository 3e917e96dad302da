import * as tf from '@tensorflow/tfjs-core';
import { matMul, readAndDispose } from './tensors';

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
 * One E-step over the rows zt [n x k], in blocks of rows, summed in float64. Each block is
 * transposed for the moment products (wasm's transposed matmul is ~10x slower): ~5 % of the
 * step, where a kept transpose of all rows held as much of the thread's heap as the rows.
 */
export function emStats(model: Untied, zt: tf.Tensor2D): EmStats {
  const { k, kernels: M } = model;
  const n = zt.shape[0];
  const out: EmStats = {
    nk: new Float64Array(M),
    s1: new Float64Array(k * M),
    s2: Array.from({ length: M }, () => new Float64Array(k * k)),
  };
  const step = emBlockRows(M, k);
  for (let a = 0; a < n; a += step) {
    const rows = Math.min(step, n - a);
    const t = tf.tidy(() => {
      const z = rows === n ? zt : (tf.slice(zt, [a, 0], [rows, k]) as tf.Tensor2D);
      const zT = tf.transpose(z);
      const logits = untiedLogits(model, z);
      const resp = tf.exp(tf.sub(logits, tf.logSumExp(logits, 1, true))); // [rows x M]
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
  return out;
}
