import * as tf from '@tensorflow/tfjs-core';
import { matMul, readAndDispose } from './tensors';
import { countProduct } from './flops';
import { Features, forBlocks, gather } from './rows';
import { lbfgs } from './lbfgs';
import { BIAS_PENALTY, Objective, TF_WORK } from './logistic-objective';
import { MIN_CALIBRATION_ROWS, fitTemperature } from './probe';

/**
 * Linear probe p(y|x): multinomial logistic regression (softmax of x W + b) on the estimator's
 * z-scored inputs, fitted to convergence by L-BFGS on the mean cross-entropy + L2. Where the
 * Bayes posterior is a linear softmax (Gaussian classes with a shared covariance), the MLP
 * probes stop early and under-fit i(x;y) (method.md, "Probe bias grows with the number of
 * classes"); this one reaches the maximum likelihood fit.
 *
 * The L2 strength is chosen on the fold's validation rows along a short warm-started path
 * (strong to weak: each fit starts from the previous solution, so the weak, slow ones start
 * close to their optimum). Classes rare or absent in the training rows stay finite: their
 * bias is penalised too, and every probability is mixed with a uniform floor of mass `floor`
 * (costs at most `floor` nats of cross-entropy).
 */
export interface LinearOptions {
  /** L2 strengths tried, strongest first (penalty lambda/2 |W|^2 on the mean cross-entropy) */
  lambdas: number[];
  /** per input column, a weight on its row of W in the penalty (lambda/2 sum_j penalty_j |W_j|^2); 1 without */
  penalty?: Float64Array;
  /** L-BFGS iterations per strength */
  maxIter: number;
  /** stop when the largest gradient entry is below this */
  tol: number;
  /** mass of the uniform mixture under every prediction */
  floor: number;
  /** L-BFGS memory */
  memory: number;
  /**
   * Another fold's solution to start from (its chosen strength and weights, [d x K] then [K]):
   * the path is searched around that strength instead of walked from the strongest end.
   */
  start?: LinearStart;
  signal?: AbortSignal;
}

export interface LinearStart {
  lambda: number;
  theta: Float64Array;
}

export const DEFAULT_LINEAR: Omit<LinearOptions, 'signal'> = {
  lambdas: [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6],
  maxIter: 150,
  tol: 1e-4,
  floor: 1e-4,
  memory: 10,
};

export interface LinearModel {
  d: number;
  K: number;
  /** weights [d x K], row-major */
  w: Float32Array;
  b: Float32Array;
  lambda: number;
  temperature: number;
  floor: number;
  /** per input column, the weight of its row of W in the L2 penalty (none: 1 each) */
  penalty?: Float64Array;
  /** validation cross-entropy after calibration (Infinity without validation rows) */
  valLoss: number;
  /** the chosen solution as the objective holds it (weights then biases, float64): a start for another fold's fit */
  theta: Float64Array;
  /** validation cross-entropy at each strength tried */
  path: Array<{ lambda: number; valLoss: number; iterations: number }>;
  iterations: number;
  evaluations: number;
  /**
   * Expected excess held-out cross-entropy of this fit over the best linear model, df / (2 n)
   * nats (see `excessLoss`): the amount by which the mean of log p(y|x) on held-out rows
   * falls short, to be added back to estimate the population value.
   */
  excess: number;
}

/**
 * Raw logits x W + b of `n` rows (row-major [n x K]), on tfjs or in JS by the size of the whole
 * pass (`rows`: a pass in blocks gives each row the same arithmetic whatever block it is in).
 */
function rawLogits(
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  d: number,
  K: number,
  x: Float32Array,
  n: number,
  rows = n,
): Float32Array {
  if (rows * d * K > TF_WORK) {
    return readAndDispose(
      tf.tidy(() =>
        tf.add(
          matMul(tf.tensor2d(x, [n, d]), tf.tensor2d(Float32Array.from(w), [d, K])),
          tf.tensor1d(Float32Array.from(b)),
        ),
      ),
    );
  }
  const z = new Float32Array(n * K);
  countProduct(n, d, K);
  const acc = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < K; k++) acc[k] = b[k];
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j];
      if (v === 0) continue;
      for (let k = 0; k < K; k++) acc[k] += v * w[j * K + k];
    }
    z.set(acc, i * K);
  }
  return z;
}

/**
 * log((1 - floor) softmax(z / t) + floor / K) per row and class: calibrated log-probabilities,
 * usable as logits (their softmax is themselves).
 */
function flooredLogProbs(z: Float32Array, K: number, t: number, floor: number): Float32Array {
  const out = new Float32Array(z.length);
  const n = z.length / K;
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, z[o + k] / t);
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(z[o + k] / t - m);
    const lse = m + Math.log(s);
    for (let k = 0; k < K; k++) out[o + k] = Math.log((1 - floor) * Math.exp(z[o + k] / t - lse) + floor / K);
  }
  return out;
}

function meanNll(logp: Float32Array, y: Int32Array, K: number): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s -= logp[i * K + y[i]];
  return s / Math.max(1, y.length);
}

/** Start at the (smoothed) class prior: the optimum of the strongest penalty is near it. */
function priorStart(yFit: Int32Array, d: number, K: number): Float64Array {
  const theta = new Float64Array((d + 1) * K);
  const counts = new Float64Array(K);
  for (const c of yFit) counts[c]++;
  for (let k = 0; k < K; k++) theta[d * K + k] = Math.log((counts[k] + 0.5) / (yFit.length + 0.5 * K));
  return theta;
}

interface PathFit {
  best: { theta: Float64Array; lambda: number; valLoss: number };
  path: LinearModel['path'];
  iterations: number;
}

/** A fold's L2 path: the strengths fitted, their validation losses, and the best solution. */
class PathSearch {
  best?: PathFit['best'];
  readonly path: LinearModel['path'] = [];
  iterations = 0;

  constructor(
    private readonly obj: Objective,
    private readonly o: LinearOptions,
    private readonly xVal: Float32Array,
    private readonly yVal: Int32Array,
  ) {}

  /**
   * Fits `lambda` from theta (in place); whether the walk goes on: this strength improved the
   * best by `minGain` nats or more. Toward weaker strengths 1e-4: a smaller gain is not worth
   * the next, longer fit; toward stronger ones (cheap fits) any gain.
   */
  step(theta: Float64Array, lambda: number, minGain = 1e-4): boolean {
    const { d, K } = this.obj;
    const iters = lbfgs(this.obj, theta, lambda, this.o);
    this.iterations += iters;
    const [w, b] = [theta.subarray(0, d * K), theta.subarray(d * K)];
    const vl = this.yVal.length
      ? meanNll(flooredLogProbs(rawLogits(w, b, d, K, this.xVal, this.yVal.length), K, 1, this.o.floor), this.yVal, K)
      : Infinity;
    this.path.push({ lambda, valLoss: vl, iterations: iters });
    // Near-unimodal along the path: one step past the best, stop (two chose the same on all 48 grid cases).
    if (this.best && !(vl < this.best.valLoss)) return false;
    const gain = this.best ? this.best.valLoss - vl : Infinity;
    this.best = { theta: theta.slice(), lambda, valLoss: vl };
    return gain >= minGain;
  }

  result(): PathFit {
    return { best: this.best!, path: this.path, iterations: this.iterations };
  }
}

/** Fits along the L2 path from theta (warm-started, in place), strong to weak; keeps the best on the validation rows. */
function l2Path(obj: Objective, theta: Float64Array, o: LinearOptions, xVal: Float32Array, yVal: Int32Array): PathFit {
  const search = new PathSearch(obj, o, xVal, yVal);
  const lambdas = yVal.length ? o.lambdas : [o.lambdas[Math.floor(o.lambdas.length / 2)]];
  for (const lambda of lambdas) if (!search.step(theta, lambda)) break;
  return search.result();
}

/**
 * The path searched around another fold's solution: its strength first (from its weights, a
 * few iterations from this fold's optimum), then weaker strengths while they improve, else
 * stronger ones. Where the validation loss is unimodal along the path (the full walk's own
 * assumption) this lands on the strength the walk from the strong end would, except on
 * near-ties (strengths within 1e-4 nats of validation loss, where the walk stops at the first
 * small gain); it skips the strong end's fits and starts the chosen one near its optimum. The
 * objective is strictly convex, so at a given strength the start changes the solution only
 * within the L-BFGS tolerance.
 */
function l2PathFrom(
  obj: Objective,
  start: LinearStart,
  o: LinearOptions,
  xVal: Float32Array,
  yVal: Int32Array,
): PathFit {
  const search = new PathSearch(obj, o, xVal, yVal);
  const at = nearestIndex(o.lambdas, start.lambda);
  const theta = start.theta.slice();
  search.step(theta, o.lambdas[at]);
  for (let i = at + 1; i < o.lambdas.length && search.step(theta, o.lambdas[i]); i++);
  if (search.best!.lambda === o.lambdas[at]) {
    // No weaker strength was better: look the other way, from this fold's solution at the start strength.
    const back = search.best!.theta.slice();
    for (let j = at - 1; j >= 0 && search.step(back, o.lambdas[j], 0); j--);
  }
  return search.result();
}

/** Index of the strength nearest `lambda` on a log scale. */
function nearestIndex(lambdas: number[], lambda: number): number {
  let best = 0;
  for (let i = 1; i < lambdas.length; i++)
    if (Math.abs(Math.log(lambdas[i] / lambda)) < Math.abs(Math.log(lambdas[best] / lambda))) best = i;
  return best;
}

/** Whether a start fits this objective: its size, finite values, a positive strength. */
function usableStart(s: LinearStart | undefined, d: number, K: number): s is LinearStart {
  return (
    s !== undefined &&
    s.lambda > 0 &&
    Number.isFinite(s.lambda) &&
    s.theta.length === (d + 1) * K &&
    s.theta.every(Number.isFinite)
  );
}

/** Temperature fitted on the validation rows (when there are enough of them), then the excess loss. */
function calibrate(model: LinearModel, x: Features, fit: Int32Array, xVal: Float32Array, yVal: Int32Array): void {
  const { d, K } = model;
  const calibrated = yVal.length >= MIN_CALIBRATION_ROWS;
  if (calibrated) {
    const z = rawLogits(model.w, model.b, d, K, xVal, yVal.length);
    model.temperature = fitTemperature(z, yVal, K);
    model.valLoss = meanNll(flooredLogProbs(z, K, model.temperature, model.floor), yVal, K);
  }
  // The df / 2n law is asymptotic: it needs the excess to be small against the loss itself.
  // Near-separable classes (held-out loss ~0.02 nats, p(1 - p) ~ 0) break it (it would add
  // more than the whole loss), so it is capped at a tenth of the validation loss.
  model.excess = Math.min(
    excessLoss(model, x, fit, calibrated),
    Number.isFinite(model.valLoss) ? 0.1 * model.valLoss : 0,
  );
}

/** The penalty weights when they fit the inputs (one positive finite weight a column), else none. */
function usablePenalty(p: Float64Array | undefined, d: number): Float64Array | undefined {
  return p?.length === d && p.every((v) => Number.isFinite(v) && v > 0) ? p : undefined;
}

export function trainLinear(
  x: Features,
  y: Int32Array,
  K: number,
  fit: Int32Array,
  val: Int32Array,
  opts: Partial<LinearOptions> = {},
): LinearModel {
  const o: LinearOptions = { ...DEFAULT_LINEAR, ...opts };
  const d = x.dim;
  const penalty = usablePenalty(o.penalty, d);
  const obj = new Objective(x, y, K, fit, undefined, undefined, penalty);
  const xVal = gather(x, val);
  const yVal = Int32Array.from(val, (r) => y[r]);
  let fitted: PathFit;
  try {
    fitted =
      yVal.length && usableStart(o.start, d, K)
        ? l2PathFrom(obj, o.start, o, xVal, yVal)
        : l2Path(obj, priorStart(obj.yFit, d, K), o, xVal, yVal);
  } finally {
    obj.dispose();
  }
  const { best, path, iterations } = fitted;
  const model: LinearModel = {
    d,
    K,
    w: Float32Array.from(best.theta.subarray(0, d * K)),
    b: Float32Array.from(best.theta.subarray(d * K)),
    theta: best.theta,
    lambda: best.lambda,
    ...(penalty ? { penalty } : {}),
    temperature: 1,
    floor: o.floor,
    valLoss: best.valLoss,
    path,
    iterations,
    evaluations: obj.evaluations,
    excess: 0,
  };
  calibrate(model, x, fit, xVal, yVal);
  return model;
}

/**
 * Finite-sample excess loss. A maximum-likelihood fit of p parameters on n rows loses, in
 * expectation, p / (2n) nats of held-out cross-entropy against the best model of its family
 * (Akaike; the KL of the fitted from the best distribution is a chi-square with p degrees of
 * freedom over 2n). A multinomial logistic model has p = (D + 1)(K - 1) free parameters
 * (softmax is invariant to a shift of all logits): 0.017 nats at D = K = 16, n = 7,200, and
 * twice that for the joint probe, which is what made R, U and S miss by 0.02-0.03 at K = 16.
 * The L2 penalty shrinks the count to the effective degrees of freedom, sum over the
 * Hessian's eigenvalues h of h / (h + lambda); with the Hessian approximated by the Kronecker
 * product of the mean class covariance diag(p) - p p^T (its diagonal) and the inputs'
 * second moments (their diagonal: ~1 for z-scored or whitened inputs), that is
 * df = (sum_j c_j a_k / (c_j a_k + lambda) over inputs j incl. the bias, classes k) (K - 1) / K.
 */
function excessLoss(m: LinearModel, x: Features, fit: Int32Array, calibrated: boolean): number {
  const { d, K } = m;
  const n = fit.length;
  if (!n) return 0;
  let spread = 0; // mean over rows of Var_{k ~ p}(z_k): theta^T H theta, the fit's curvature along itself
  const a = new Float64Array(K),
    c = new Float64Array(d + 1);
  c[d] = 1;
  forBlocks(fit, d, (block) => {
    const xf = gather(x, block);
    const z = rawLogits(m.w, m.b, d, K, xf, block.length, n);
    for (let i = 0; i < block.length; i++) {
      const o = i * K;
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, z[o + k]);
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp(z[o + k] - mx);
      let m1 = 0,
        m2 = 0;
      for (let k = 0; k < K; k++) {
        const p = Math.exp(z[o + k] - mx) / s;
        a[k] += (p * (1 - p)) / n;
        m1 += p * z[o + k];
        m2 += p * z[o + k] * z[o + k];
      }
      spread += (m2 - m1 * m1) / n;
      for (let j = 0; j < d; j++) c[j] += xf[i * d + j] ** 2 / n;
    }
  });
  // Classes absent from the fit rows have a_k ~ 0 and drop out by themselves.
  let df = 0;
  for (let k = 0; k < K; k++)
    for (let j = 0; j <= d; j++) {
      const h = c[j] * a[k],
        lam = j === d ? BIAS_PENALTY : m.lambda * (m.penalty?.[j] ?? 1);
      df += h / (h + lam);
    }
  const excess = (df * (K - 1)) / K / (2 * n);
  if (!calibrated) return excess;
  // The temperature fitted on the validation rows scales the logits by c = 1 / T, undoing part
  // of the overfit: for theta = theta* + eps (eps^T H eps ~ df / n) the best c leaves
  // (df / 2n) S / (S + df / n) of the excess, S = theta*^T H theta* ~ spread - df / n. At
  // K = 32 (df / n = 0.28) that is 12 % less, what the plain law overshot by.
  const signal = Math.max(0, spread - 2 * excess);
  return excess * (signal / (signal + 2 * excess));
}

/** Calibrated log-probabilities [rows x K] (temperature and floor applied) of the given rows of x, a block at a time. */
export function linearLogProbs(m: LinearModel, x: Features, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * m.K);
  forBlocks(rows, m.d, (block, at) => {
    const z = rawLogits(m.w, m.b, m.d, m.K, gather(x, block), block.length, rows.length);
    out.set(flooredLogProbs(z, m.K, m.temperature, m.floor), at * m.K);
  });
  return out;
}
