import * as tf from '@tensorflow/tfjs-core';
import { cholesky, invertLower } from './linalg';
import type { KnifeModel } from './knife';
import { matMul, readAndDispose } from './tensors';

/**
 * p(x) = sum_y p(y) N(x; mu_y, Sigma): class frequencies and means of the training rows, Sigma
 * their pooled within-class covariance (+ ridge). Classes absent from the rows get no kernel.
 * Undefined when the covariance is singular even with extra ridge.
 */
export function fitClassMixture(
  zTrain: Float32Array,
  y: Int32Array,
  n: number,
  k: number,
  classes: number,
  ridge: number,
): KnifeModel | undefined {
  const count = new Float64Array(classes);
  const sum = new Float64Array(classes * k);
  for (let i = 0; i < n; i++) {
    count[y[i]]++;
    for (let j = 0; j < k; j++) sum[y[i] * k + j] += zTrain[i * k + j];
  }
  const present: number[] = [];
  for (let c = 0; c < classes; c++) if (count[c] > 0) present.push(c);
  const M = present.length;
  const means = new Float64Array(M * k),
    logWeights = new Float64Array(M);
  present.forEach((c, m) => {
    logWeights[m] = Math.log(count[c] / n);
    for (let j = 0; j < k; j++) means[m * k + j] = sum[c * k + j] / count[c];
  });
  const scatter = withinScatter(zTrain, y, n, k, means, present, classes);
  const cov = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = 0; j <= i; j++) cov[i * k + j] = cov[j * k + i] = (scatter[i * k + j] + scatter[j * k + i]) / (2 * n);
  for (let i = 0; i < k; i++) cov[i * k + i] += ridge;
  const c =
    cholesky(cov, k) ??
    cholesky(
      cov.map((v, idx) => (idx % (k + 1) === 0 ? v + 1e-3 : v)),
      k,
    );
  if (!c) return undefined;
  return { k, kernels: M, means, logWeights, factors: [invertLower(c, k)], tied: true, family: 'classes' };
}

/** Rows of residuals per scatter product: a block's residuals, not all rows', are on the heap at once. */
const SCATTER_BLOCK_VALUES = 1 << 22;

/**
 * Within-class scatter R^T R [k x k] of the residuals from the class means (float32 Z^T Z -
 * sum n_y mu mu^T would cancel), a block of rows at a time, summed in float64.
 */
export function withinScatter(
  zTrain: Float32Array,
  y: Int32Array,
  n: number,
  k: number,
  means: Float64Array,
  present: number[],
  classes: number,
  blockValues = SCATTER_BLOCK_VALUES,
): Float64Array {
  const slot = new Int32Array(classes).fill(-1);
  present.forEach((c, m) => (slot[c] = m));
  const step = Math.max(1, Math.floor(blockValues / k));
  const out = new Float64Array(k * k);
  for (let a = 0; a < n; a += step) {
    const rows = Math.min(step, n - a);
    const res = new Float32Array(rows * k);
    for (let i = 0; i < rows; i++) {
      const m = slot[y[a + i]];
      for (let j = 0; j < k; j++) res[i * k + j] = zTrain[(a + i) * k + j] - means[m * k + j];
    }
    const part = readAndDispose(
      tf.tidy(() => {
        const r = tf.tensor2d(res, [rows, k]);
        return matMul(tf.transpose(r), r);
      }),
    );
    for (let i = 0; i < k * k; i++) out[i] += part[i];
  }
  return out;
}
