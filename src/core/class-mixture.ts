import * as tf from '@tensorflow/tfjs-core';
import { cholesky, invertLower } from './linalg';
import type { KnifeModel } from './knife';
import { matMul, readAndDispose } from './tensors';

/**
 * p(x) = sum_y p(y) N(x; mu_y, Sigma): class frequencies and means of the training rows
 * (rows[i] of z [. x k], labelled y[i]), Sigma their pooled within-class covariance (+ ridge).
 * Classes absent from the rows get no kernel. Undefined when the covariance is singular even
 * with extra ridge. The rows are read in place: no copy of them is made.
 */
export function fitClassMixture(
  z: Float32Array,
  rows: Int32Array,
  y: Int32Array,
  k: number,
  classes: number,
  ridge: number,
): KnifeModel | undefined {
  const n = rows.length;
  const count = new Float64Array(classes);
  const sum = new Float64Array(classes * k);
  for (let i = 0; i < n; i++) {
    count[y[i]]++;
    for (let j = 0; j < k; j++) sum[y[i] * k + j] += z[rows[i] * k + j];
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
  const scatter = withinScatter(z, rows, y, k, means, present, classes);
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
 * Within-class scatter R^T R [k x k] of the residuals of rows[i] of z from their class means
 * (float32 Z^T Z - sum n_y mu mu^T would cancel), a block of rows at a time, summed in float64.
 */
export function withinScatter(
  z: Float32Array,
  rows: Int32Array,
  y: Int32Array,
  k: number,
  means: Float64Array,
  present: number[],
  classes: number,
  blockValues = SCATTER_BLOCK_VALUES,
): Float64Array {
  const slot = new Int32Array(classes).fill(-1);
  present.forEach((c, m) => (slot[c] = m));
  const n = rows.length;
  const step = Math.max(1, Math.floor(blockValues / k));
  const out = new Float64Array(k * k);
  for (let a = 0; a < n; a += step) {
    const count = Math.min(step, n - a);
    const res = new Float32Array(count * k);
    for (let i = 0; i < count; i++) {
      const m = slot[y[a + i]];
      const at = rows[a + i] * k;
      for (let j = 0; j < k; j++) res[i * k + j] = z[at + j] - means[m * k + j];
    }
    const part = readAndDispose(
      tf.tidy(() => {
        const r = tf.tensor2d(res, [count, k]);
        return matMul(tf.transpose(r), r);
      }),
    );
    for (let i = 0; i < k * k; i++) out[i] += part[i];
  }
  return out;
}
