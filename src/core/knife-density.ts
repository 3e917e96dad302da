import * as tf from '@tensorflow/tfjs-core';
import { matMul, readAndDispose } from './tensors';
import { gatherRows } from './rows';
import { LOG2PI, RowBlocks, emBlockRows, untiedLogits } from './em';
import type { KnifeModel } from './knife';

/**
 * Densities of a fitted KNIFE model (knife.ts): per-kernel log densities of blocks of rows,
 * log p(x) per row, and the mean log-likelihood a fit is scored by.
 */

/** L^T of a row-major lower-triangular factor, as float32, and log det L. */
function transposedFactor(L: Float64Array, k: number): { lt: Float32Array; logDiag: number } {
  const lt = new Float32Array(k * k);
  let logDiag = 0;
  for (let i = 0; i < k; i++) {
    logDiag += Math.log(L[i * k + i]);
    for (let j = 0; j <= i; j++) lt[j * k + i] = L[i * k + j];
  }
  return { lt, logDiag };
}

/** Per-kernel log densities [n x M] (including log weights). */
function kernelLogits(model: KnifeModel, zt: tf.Tensor2D): tf.Tensor2D {
  return model.tied ? tiedLogits(model, zt) : untiedLogits(model, zt);
}

/**
 * Shared precision factor: one projection of the rows, then |a - b|^2 = |a|^2 - 2 a.b + |b|^2
 * against all projected means in one product, so K = 1,000 classes cost one [n x k] x [k x K]
 * matmul instead of 1,000 per-kernel ones.
 */
function tiedLogits(model: KnifeModel, zt: tf.Tensor2D): tf.Tensor2D {
  const { k, kernels: M } = model;
  const { lt, logDiag } = transposedFactor(model.factors[0], k);
  const L = model.factors[0];
  // Projected means (L mu_m), laid out [k x M] so the product needs no transposed matmul.
  const muT = new Float32Array(k * M);
  const bias = new Float32Array(M);
  for (let m = 0; m < M; m++) {
    let sq = 0;
    for (let i = 0; i < k; i++) {
      let v = 0;
      for (let j = 0; j <= i; j++) v += L[i * k + j] * model.means[m * k + j];
      muT[i * M + m] = v;
      sq += v * v;
    }
    bias[m] = model.logWeights[m] + logDiag - 0.5 * k * LOG2PI - 0.5 * sq;
  }
  return tf.tidy(() => {
    const proj = matMul(zt, tf.tensor2d(lt, [k, k]));
    const self = tf.mul(tf.sum(tf.square(proj), 1, true), -0.5); // [n x 1]
    const cross = matMul(proj, tf.tensor2d(muT, [k, M])); // [n x M]
    return tf.add(tf.add(cross, self), tf.tensor1d(bias)) as tf.Tensor2D;
  });
}

/** log p(x) of each row of z [n x k], or with `rows` of rows[0..n) of z (gathered a block at a time). */
export function knifeLogDensity(model: KnifeModel, z: Float32Array, n: number, rows?: Int32Array): Float64Array {
  const out = new Float64Array(n);
  const { k } = model;
  const step = blockRows(model);
  for (let a = 0; a < n; a += step) {
    const b = Math.min(n, a + step);
    const values = rows ? gatherRows(z, k, rows.subarray(a, b)) : z.subarray(a * k, b * k);
    const zb = tf.tensor2d(values, [b - a, k]);
    out.set(readAndDispose(tf.tidy(() => tf.logSumExp(kernelLogits(model, zb), 1))), a);
    zb.dispose();
  }
  return out;
}

/**
 * Rows per block of the [rows x kernels] logits: the class-conditional candidate has one
 * kernel per class (up to 10,000, a count the dump declares), so a whole fold at once could
 * ask for gigabytes; blocks keep it at LOGIT_CELLS floats whatever the class count.
 */
const LOGIT_CELLS = 1 << 22;
const blockRows = (model: KnifeModel) =>
  model.tied ? Math.max(1, Math.floor(LOGIT_CELLS / model.kernels)) : emBlockRows(model.kernels, model.k);

/** Mean log p(x) of the rows, a block at a time. */
export function meanLogLik(model: KnifeModel, rows: RowBlocks): number {
  const { n } = rows;
  const step = blockRows(model);
  let sum = 0;
  for (let a = 0; a < n; a += step) {
    const count = Math.min(step, n - a);
    const z = rows.take(a, count);
    try {
      // One block: tfjs's mean of it (as before blocks were gathered: the same figures).
      if (count === n) return readAndDispose(tf.tidy(() => tf.mean(tf.logSumExp(kernelLogits(model, z), 1))))[0];
      sum += readAndDispose(tf.tidy(() => tf.sum(tf.logSumExp(kernelLogits(model, z), 1))))[0];
    } finally {
      rows.release(z);
    }
  }
  return sum / n;
}
