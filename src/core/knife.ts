import { cholesky, invertLower } from './linalg';
import { Rng } from './rng';
import { gatherRows } from './rows';
import { fitClassMixture } from './class-mixture';
import { throwIfCancelled } from './progress';
import { seedMeans } from './seeding';
import {
  MOMENT_VALUES,
  RESIDENT_VALUES,
  RowBlocks,
  RowMoments,
  disposeMoments,
  emStats,
  rowBlocks,
  rowMoments,
} from './em';
import { meanLogLik } from './knife-density';

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
  /** precision factors L_m, row-major [k x k] lower-triangular; one shared factor when `tied` */
  factors: Float64Array[];
  /** every kernel shares factors[0] (the class-conditional candidate) */
  tied?: boolean;
  /** which candidate won the held-out comparison (diagnostic) */
  family?: 'mixture' | 'classes';
  /** EM iterations run (diagnostic) */
  iterations?: number;
  /** the best unsupervised mixture's kernel count, whichever candidate won (a pilot fold's hint to the others) */
  mixtureKernels?: number;
  /** estimated held-out log-likelihood per sample of the class model less the best mixture's, when both were fitted */
  classLead?: number;
}

export interface KnifeOptions {
  kernels: number;
  maxIter: number;
  /** added to each kernel's covariance (whitened units): keeps kernels from collapsing */
  ridge: number;
  seed: number;
  /**
   * Warm start: the mixture kernel counts to try instead of the ladder (the run's previous
   * checkpoint's choices; empty: the class-conditional model alone, when it can be fitted).
   */
  counts?: number[];
  signal?: AbortSignal;
  /** a fit's rows (rows x k values) kept on the thread's heap up to this; past it, gathered a block at a time (em.ts RowBlocks) */
  residentValues?: number;
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

/** Class labels of the rows, for the class-conditional candidate. */
export interface KnifeLabels {
  y: Int32Array;
  classes: number;
}

/**
 * Fits the entropy model and keeps the candidate with the best estimated held-out
 * log-likelihood (the criterion that ranks densities by their mean bias in h(x)):
 * - the unsupervised mixture for kernel counts of the ladder 1, 2, 5, 10, 20 (up to
 *   kernelCap(opts.kernels), and ~2(k+1) training rows per kernel); every count up to
 *   opts.kernels is tried, larger ones only while the estimate improves. A fixed count is
 *   biased both ways: 5 kernels on 10 separated class clusters underfit by 2-4 nats per
 *   sample in 8-32 dims, while on one Gaussian in 32 dims they overfit by 0.17 (1: 0.03).
 * - given labels, the class-conditional mixture p(x) = sum_y p(y) N(x; mu_y, Sigma) with the
 *   pooled within-class covariance: closed form, one kernel per class at K(k+1) + k(k+1)/2
 *   parameters where free kernels cost K(k + k(k+1)/2). Features of a trained model cluster
 *   by class; there free full-covariance kernels cannot afford one kernel per class (16
 *   classes in 16 dims: 0.3 nats of AIC optimism), settle for a few merged ones and leave
 *   h(x) off by ~0.4 nats per sample, which min(h1, h2) turns into a bias of R.
 * r = min(h1, h2) - min(h1 - i1, h2 - i2) carries the difference of the two modalities'
 * errors, so each modality's choice is made on its own rows' evidence.
 */
export function fitKnife(
  z: Float32Array,
  k: number,
  train: Int32Array,
  val: Int32Array,
  opts: KnifeOptions,
  labels?: KnifeLabels,
): KnifeModel {
  const n = train.length;
  // At least ~2(k+1) rows per kernel, or the covariances are mostly ridge.
  const maxM = Math.max(1, Math.min(kernelCap(opts.kernels), Math.floor(n / (2 * (k + 1)))));
  const resident = opts.residentValues ?? RESIDENT_VALUES;
  const rows: FitRows = { z, train, trainRows: rowBlocks(z, k, train, resident), n, k, maxM };
  try {
    if (val.length) rows.valRows = rowBlocks(z, k, val, resident);
    const { trainRows, valRows } = rows;
    const nv = valRows ? val.length : 0;
    // Held-out log-likelihood per sample, estimated twice and pooled by row count: on the
    // validation rows, and on the training rows less the AIC optimism p/n (p free
    // parameters). The validation part alone (10 % of the rows) is too noisy to rank counts.
    const score = (model: KnifeModel, p: number, valLL = valRows ? meanLogLik(model, valRows) : 0): number => {
      const trainLL = meanLogLik(model, trainRows);
      return nv ? (n * (trainLL - p / n) + nv * valLL) / (n + nv) : trainLL - p / n;
    };
    const mixture = (M: number, init?: KnifeModel): Scored => {
      // A refit starts from the sample's converged solution: a few iterations take in the other rows.
      const fit = fitCount(rows, M, init ? { ...opts, maxIter: Math.min(opts.maxIter, REFIT_ITER) } : opts, init);
      const model = { ...fit.model, family: 'mixture' as const };
      return { model, score: score(model, M * (k + (k * (k + 1)) / 2) + M - 1, fit.val) };
    };
    const mixed = bestMixture(z, k, train, val, opts, maxM, mixture);
    let best = mixed;
    let classLead: number | undefined;
    if (labels && labels.classes > 1) {
      const classModel = fitClassMixture(
        z,
        train,
        Int32Array.from(train, (r) => labels.y[r]),
        k,
        labels.classes,
        opts.ridge,
      );
      if (classModel) {
        const scored = {
          model: classModel,
          score: score(classModel, classModel.kernels * (k + 1) - 1 + (k * (k + 1)) / 2),
        };
        if (mixed) classLead = scored.score - mixed.score;
        best = better(best, scored, 0);
      }
    }
    // A warm start that named only the class model, which could not be fitted here: the ladder.
    if (!best) return fitKnife(z, k, train, val, { ...opts, counts: undefined }, labels);
    return { ...best.model, mixtureKernels: mixed?.model.kernels, classLead };
  } finally {
    disposeMoments(rows.moments);
    rows.trainRows.dispose();
    rows.valRows?.dispose();
  }
}

/**
 * The unsupervised mixture's best kernel count, fitted by `mixture`: the ladder, or the warm
 * start's counts (none when it named the class model alone). Many rows: the count is chosen
 * on a sample of them (the search's cost is bounded in N), then refitted on all from the
 * sample's solution; warm counts are fitted on the sample too.
 */
function bestMixture(
  z: Float32Array,
  k: number,
  train: Int32Array,
  val: Int32Array,
  opts: KnifeOptions,
  maxM: number,
  mixture: (M: number, init?: KnifeModel) => Scored,
): Scored | undefined {
  const n = train.length;
  const warm = opts.counts && [...new Set(opts.counts.map((M) => Math.max(1, Math.min(Math.round(M), maxM))))];
  if (warm && !warm.length) return undefined;
  if (n > 1.5 * SELECT_ROWS) {
    const pick = fitKnife(z, k, sampleRows(train, SELECT_ROWS, opts.seed), val, opts);
    return mixture(Math.min(pick.kernels, maxM), pick.kernels <= maxM ? pick : undefined);
  }
  let best: Scored | undefined;
  if (warm) for (const M of warm) best = better(best, mixture(M), 0);
  else
    for (const M of kernelLadder(maxM)) {
      const next = mixture(M);
      if (!best || next.score > best.score + 2e-3) best = next;
      // Counts up to opts.kernels are always tried (small, cheap fits); beyond it the ladder
      // goes on only while the estimate improves.
      else if (M >= opts.kernels) break;
    }
  return best;
}

/** Above 1.5 times this many training rows, the mixture's kernel count is chosen on this many of them. */
export const SELECT_ROWS = 4000;
/** EM iterations of the refit on all rows, from the sample's solution. */
const REFIT_ITER = 8;

/** `size` of the rows, drawn without replacement (seeded), in ascending order. */
function sampleRows(rows: Int32Array, size: number, seed: number): Int32Array {
  const pool = Int32Array.from(rows);
  const rng = new Rng(seed + 104729);
  for (let i = 0; i < size; i++) {
    const j = i + rng.int(pool.length - i);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, size).sort();
}

interface Scored {
  model: KnifeModel;
  score: number;
}

const better = (a: Scored | undefined, b: Scored, by: number): Scored => (!a || b.score > a.score + by ? b : a);

/** A fit's training rows (rows `train` of the shared z, in blocks; their pairwise products when kept) and validation rows. */
interface FitRows {
  z: Float32Array;
  train: Int32Array;
  trainRows: RowBlocks;
  /** the validation rows, when there are any (else the training rows stand in) */
  valRows?: RowBlocks;
  n: number;
  k: number;
  /** the largest kernel count fitted on these rows */
  maxM: number;
  /**
   * Their pairwise products (em.ts), made at the first EM fit: above 6,000 rows the count is
   * chosen on a sample first (which makes its own), and this fit's serve only the refit.
   * Null: too many rows to keep them.
   */
  moments?: RowMoments | null;
}

/** The rows' pairwise products, made on first use; undefined where they are not kept. */
function momentsOf(rows: FitRows): RowMoments | undefined {
  if (rows.moments === undefined)
    rows.moments = rowMoments(rows.z, rows.n, rows.k, rows.maxM, MOMENT_VALUES, rows.train) ?? null;
  return rows.moments ?? undefined;
}

/** EM for a fixed kernel count, from greedy k-means++ means and unit covariances; the best validation iterate. */
function fitCount(rows: FitRows, M: number, opts: KnifeOptions, init?: KnifeModel): { model: KnifeModel; val: number } {
  const { trainRows, valRows, n, k } = rows;
  const rng = new Rng(opts.seed + 7919 * (M - 1));
  const eye = (s: number) => {
    const a = new Float64Array(k * k);
    for (let i = 0; i < k; i++) a[i * k + i] = s;
    return a;
  };
  let model: KnifeModel = init
    ? { k, kernels: M, means: init.means, logWeights: init.logWeights, factors: init.factors }
    : {
        k,
        kernels: M,
        // From all the fit's rows (a copy made for the seeding only); past 1.5 x SELECT_ROWS rows a
        // fit starts from its sample's solution and seeds only a count the sample could not fit.
        means: seedMeans(gatherRows(rows.z, k, rows.train), n, k, M, rng),
        logWeights: new Float64Array(M).fill(-Math.log(M)),
        factors: Array.from({ length: M }, () => eye(1)),
      };
  let best = model,
    bestVal = -Infinity,
    stale = 0;
  for (let it = 0; it < opts.maxIter; it++) {
    throwIfCancelled(opts.signal);
    // Tensors leave tf.tidy and are read outside it (see readAndDispose).
    const stats = emStats(model, trainRows, momentsOf(rows));
    const next: KnifeModel = {
      k,
      kernels: M,
      means: new Float64Array(M * k),
      logWeights: new Float64Array(M),
      factors: [],
    };
    for (let m = 0; m < M; m++) {
      const nm = Math.max(stats.nk[m], 1e-9);
      next.logWeights[m] = Math.log(nm / n);
      for (let j = 0; j < k; j++) next.means[m * k + j] = stats.s1[j * M + m] / nm;
      const cov = new Float64Array(k * k);
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++) {
          cov[i * k + j] = stats.s2[m][i * k + j] / nm - next.means[m * k + i] * next.means[m * k + j];
        }
      for (let i = 0; i < k; i++) cov[i * k + i] += opts.ridge;
      for (let i = 0; i < k; i++)
        for (let j = 0; j < i; j++) cov[i * k + j] = cov[j * k + i] = (cov[i * k + j] + cov[j * k + i]) / 2;
      const c =
        cholesky(cov, k) ??
        cholesky(
          cov.map((v, idx) => (idx % (k + 1) === 0 ? v + 1e-3 : v)),
          k,
        );
      next.factors.push(c ? invertLower(c, k) : eye(1));
    }
    model = next;
    const v = meanLogLik(model, valRows ?? trainRows);
    // Gains below 1e-3 nats per sample no longer change h(x) in a way the decomposition sees.
    if (v > bestVal + 1e-3) {
      best = model;
      bestVal = v;
      stale = 0;
    } else if (++stale >= 3) break;
    best.iterations = it + 1;
  }
  return { model: best, val: bestVal };
}
