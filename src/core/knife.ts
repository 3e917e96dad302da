import * as tf from '@tensorflow/tfjs-core';
import { readAndDispose } from './tensors';
import { cholesky, invertLower } from './linalg';
import { Rng } from './rng';
import { gatherRows } from './rows';
import { throwIfCancelled } from './progress';

/**
 * KNIFE entropy model (Pichler et al. 2022) as LSMI uses it: a mixture of M Gaussian
 * kernels with full precision factors, log p(x) = logsumexp_m [log w_m
 * - |L_m (x - mu_m)|^2 / 2 + sum log diag L_m - k/2 log 2 pi], L_m lower-triangular.
 *
 * The reference fits it by Adam on -log p; we fit the same parameters by EM, whose updates
 * are closed form: no learning rate, no tanh bound on the scales (which cannot reach the
 * tight clusters of real features), deterministic, and ~50 cheap iterations. Training stops
 * at the best log-likelihood on a validation part of the training rows. The kernel count M
 * is chosen per fit by estimated held-out likelihood (fitKnife), from greedy k-means++ seeds.
 */
export interface KnifeModel {
  k: number;
  kernels: number;
  means: Float64Array; // [M x k]
  logWeights: Float64Array; // [M]
  /** precision factors L_m, row-major [k x k] lower-triangular */
  factors: Float64Array[];
  /** EM iterations run (diagnostic) */
  iterations?: number;
}

export interface KnifeOptions {
  kernels: number;
  maxIter: number;
  /** added to each kernel's covariance (whitened units): keeps kernels from collapsing */
  ridge: number;
  seed: number;
  signal?: AbortSignal;
}

const LOG2PI = Math.log(2 * Math.PI);

/** Per-kernel log densities [n x M] (including log weights). */
function kernelLogits(model: KnifeModel, zt: tf.Tensor2D): tf.Tensor2D {
  const { k, kernels: M } = model;
  return tf.tidy(() => {
    const cols: tf.Tensor1D[] = [];
    for (let m = 0; m < M; m++) {
      const L = model.factors[m];
      const lt = new Float32Array(k * k);
      let logDiag = 0;
      for (let i = 0; i < k; i++) {
        logDiag += Math.log(L[i * k + i]);
        for (let j = 0; j <= i; j++) lt[j * k + i] = L[i * k + j];
      }
      const mu = tf.tensor1d(Float32Array.from(model.means.subarray(m * k, m * k + k)));
      const proj = tf.matMul(tf.sub(zt, mu), tf.tensor2d(lt, [k, k]));
      const quad = tf.sum(tf.square(proj), 1);
      cols.push(tf.add(tf.mul(quad, -0.5), model.logWeights[m] + logDiag - 0.5 * k * LOG2PI) as tf.Tensor1D);
    }
    return tf.stack(cols, 1) as tf.Tensor2D;
  });
}

/** log p(x) of each row of z [n x k]. */
export function knifeLogDensity(model: KnifeModel, z: Float32Array, n: number): Float64Array {
  return Float64Array.from(readAndDispose(tf.tidy(() => tf.logSumExp(kernelLogits(model, tf.tensor2d(z, [n, model.k])), 1))));
}

function meanLogLik(model: KnifeModel, zt: tf.Tensor2D): number {
  return readAndDispose(tf.tidy(() => tf.mean(tf.logSumExp(kernelLogits(model, zt), 1))))[0];
}

/**
 * Greedy k-means++ seeding of the kernel means: each new mean is the best of a few
 * D^2-sampled candidates (the one that lowers the summed squared distance most). Plain
 * k-means++ puts two seeds in one cluster often enough (1 fit in 3 on five separated
 * clusters in 8 dims) that EM ends in a merged optimum costing ~0.7 nats per sample.
 */
function seedMeans(z: Float32Array, n: number, k: number, M: number, rng: Rng): Float64Array {
  const means = new Float64Array(M * k);
  const d2 = new Float64Array(n).fill(Infinity);
  const trials = 2 + Math.floor(Math.log(M));
  const dist = (row: number, out: Float64Array): number => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) s += (z[i * k + j] - z[row * k + j]) ** 2;
      out[i] = Math.min(s, d2[i]);
      total += out[i];
    }
    return total;
  };
  const cand = new Float64Array(n), bestD = new Float64Array(n);
  let pick = rng.int(n);
  dist(pick, bestD);
  for (let m = 0; m < M; m++) {
    for (let j = 0; j < k; j++) means[m * k + j] = z[pick * k + j];
    d2.set(bestD);
    if (m === M - 1) break;
    let total = 0;
    for (let i = 0; i < n; i++) total += d2[i];
    let bestPot = Infinity;
    for (let t = 0; t < trials; t++) {
      let u = rng.next() * total, c = n - 1;
      for (let i = 0; i < n; i++) { u -= d2[i]; if (u <= 0) { c = i; break; } }
      const pot = dist(c, cand);
      if (pot < bestPot) { bestPot = pot; pick = c; bestD.set(cand); }
    }
  }
  return means;
}

/** Kernel counts tried: the 1-2-5 series up to the cap, and the cap itself. */
export function kernelLadder(cap: number): number[] {
  const out: number[] = [];
  for (let e = 1; e <= cap; e *= 10) for (const f of [1, 2, 5]) if (f * e <= cap) out.push(f * e);
  if (out[out.length - 1] !== cap) out.push(cap);
  return out;
}

/** Largest kernel count the selection may reach, for a `kernels` setting. */
export const kernelCap = (kernels: number): number => 4 * kernels;

/**
 * Fits the mixture for kernel counts of the ladder 1, 2, 5, 10, 20 (up to
 * kernelCap(opts.kernels), and ~2(k+1) training rows per kernel) and keeps the count with
 * the best estimated held-out likelihood; every count up to opts.kernels is tried, larger
 * ones only while the estimate improves. A fixed count is biased both ways: 5 kernels on 10
 * separated class clusters underfit by 2-4 nats per sample in 8-32 dims, while on one
 * Gaussian in 32 dims they overfit by 0.17 (1 kernel: 0.03). r = min(h1, h2) - min(h1 - i1,
 * h2 - i2) carries the difference of the two modalities' biases, which a count fixed for
 * both does not cancel when one modality is clustered and the other is not.
 */
export function fitKnife(z: Float32Array, k: number, train: Int32Array, val: Int32Array, opts: KnifeOptions): KnifeModel {
  const zTrain = gatherRows(z, k, train);
  const n = train.length;
  // At least ~2(k+1) rows per kernel, or the covariances are mostly ridge.
  const maxM = Math.max(1, Math.min(kernelCap(opts.kernels), Math.floor(n / (2 * (k + 1)))));
  const zt = tf.tensor2d(zTrain, [n, k]);
  const ztT = tf.transpose(zt) as tf.Tensor2D; // [k x n], kept so M-step products avoid transposed matmuls
  const zv = val.length ? tf.tensor2d(gatherRows(z, k, val), [val.length, k]) : zt;
  try {
    let best: { model: KnifeModel; score: number } | undefined;
    const nv = zv === zt ? 0 : val.length;
    for (const M of kernelLadder(maxM)) {
      const fit = fitCount(zTrain, zt, ztT, zv, n, k, M, opts);
      // Held-out log-likelihood per sample, estimated twice and pooled by row count: on the
      // validation rows, and on the training rows less the AIC optimism p/n (p free
      // parameters). The validation part alone (10 % of the rows) is too noisy to rank counts.
      const p = M * (k + (k * (k + 1)) / 2) + M - 1;
      const trainLL = meanLogLik(fit.model, zt);
      const score = nv ? (n * (trainLL - p / n) + nv * fit.val) / (n + nv) : trainLL - p / n;
      if (!best || score > best.score + 2e-3) best = { model: fit.model, score };
      // Counts up to opts.kernels are always tried (small, cheap fits); beyond it the ladder
      // goes on only while the estimate improves.
      else if (M >= opts.kernels) break;
    }
    return best!.model;
  } finally {
    zt.dispose(); ztT.dispose(); if (zv !== zt) zv.dispose();
  }
}

/** EM for a fixed kernel count, from greedy k-means++ means and unit covariances; the best validation iterate. */
function fitCount(
  zTrain: Float32Array, zt: tf.Tensor2D, ztT: tf.Tensor2D, zv: tf.Tensor2D, n: number, k: number, M: number, opts: KnifeOptions,
): { model: KnifeModel; val: number } {
  const rng = new Rng(opts.seed + 7919 * (M - 1));
  const eye = (s: number) => { const a = new Float64Array(k * k); for (let i = 0; i < k; i++) a[i * k + i] = s; return a; };
  let model: KnifeModel = {
    k, kernels: M, means: seedMeans(zTrain, n, k, M, rng),
    logWeights: new Float64Array(M).fill(-Math.log(M)), factors: Array.from({ length: M }, () => eye(1)),
  };
  let best = model, bestVal = -Infinity, stale = 0;
  for (let it = 0; it < opts.maxIter; it++) {
    throwIfCancelled(opts.signal);
    // Tensors leave tf.tidy and are read outside it (see readAndDispose).
    const t = tf.tidy(() => {
      const logits = kernelLogits(model, zt);
      const resp = tf.exp(tf.sub(logits, tf.logSumExp(logits, 1, true))); // [n x M]
      const s2: tf.Tensor[] = [];
      for (let m = 0; m < M; m++) {
        const r = tf.reshape(tf.slice(resp, [0, m], [n, 1]), [1, n]);
        s2.push(tf.matMul(tf.mul(ztT, r), zt));
      }
      return { nk: tf.sum(resp, 0), s1: tf.matMul(ztT, resp) /* [k x M] */, s2 };
    });
    const stats = { nk: readAndDispose(t.nk), s1: readAndDispose(t.s1), s2: t.s2.map(readAndDispose) };
    const next: KnifeModel = { k, kernels: M, means: new Float64Array(M * k), logWeights: new Float64Array(M), factors: [] };
    for (let m = 0; m < M; m++) {
      const nm = Math.max(stats.nk[m], 1e-9);
      next.logWeights[m] = Math.log(nm / n);
      for (let j = 0; j < k; j++) next.means[m * k + j] = stats.s1[j * M + m] / nm;
      const cov = new Float64Array(k * k);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
        cov[i * k + j] = stats.s2[m][i * k + j] / nm - next.means[m * k + i] * next.means[m * k + j];
      }
      for (let i = 0; i < k; i++) cov[i * k + i] += opts.ridge;
      for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) cov[i * k + j] = cov[j * k + i] = (cov[i * k + j] + cov[j * k + i]) / 2;
      const c = cholesky(cov, k) ?? cholesky(cov.map((v, idx) => (idx % (k + 1) === 0 ? v + 1e-3 : v)), k);
      next.factors.push(c ? invertLower(c, k) : eye(1));
    }
    model = next;
    const v = meanLogLik(model, zv);
    // Gains below 1e-3 nats per sample no longer change h(x) in a way the decomposition sees.
    if (v > bestVal + 1e-3) { best = model; bestVal = v; stale = 0; } else if (++stale >= 3) break;
    best.iterations = it + 1;
  }
  return { model: best, val: bestVal };
}
