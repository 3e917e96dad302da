import { Means, Parts } from './decompose';
import { Rng } from './rng';

/**
 * Confidence intervals of the dataset values R, U1, U2, S.
 *
 * Three sources of uncertainty, the first two honest about cross-fitting:
 * - sampling: a bootstrap over the analysed samples, resampled within each fold (every
 *   fold's model predicted its own rows), each replicate adjusted like the estimate (the
 *   shift of the means is recomputed, so its kink is carried into the interval);
 * - fold to fold: the means of the folds scatter by more than sampling alone when the
 *   models fitted on different training parts differ; that excess (tau^2) is estimated
 *   from the folds and added to the variance;
 * - the probes' finite-sample corrections (ProbeBias), added to the variance.
 * Each smooth functional of the raw means (R, U1, ..., S + U2) gets the bootstrap percentile
 * interval, widened about its estimate by the ratio of the total standard error to the
 * bootstrap one; the adjusted values' intervals follow from those (adjustedBox).
 */
export interface Intervals {
  level: number;
  R: [number, number];
  U1: [number, number];
  U2: [number, number];
  S: [number, number];
  /** bootstrap replicates */
  replicates: number;
}

const KEYS = ['R', 'U1', 'U2', 'S'] as const;

export interface IntervalOptions {
  level?: number;
  replicates?: number;
  seed?: number;
  adjust: boolean;
  /** uncertainty of the probes' finite-sample corrections, carried into the intervals */
  probeBias?: ProbeBias;
}

/**
 * The finite-sample excess added back to each probe's log p(y|x) (its df / 2n or half its
 * generalisation gap) is an approximation: on the preset sets an MLP's true shortfall was
 * twice its estimate. The estimator passes each correction's standard deviation (see
 * meanExcess there), a systematic error no resampling sees. `share1` is the fraction of
 * samples whose min(h1 - i1, h2 - i2) is modality 1's: it sets how a shift of i1 or i2
 * moves r, and with it every value.
 */
export interface ProbeBias {
  i1: number;
  i2: number;
  i12: number;
  share1: number;
}

/** d(raw mean)/d(shift of i1, i2, i12) for R, U1, U2, S (decompose: r = min(h) - min(h - i), s = i12 - i1 - i2 + r). */
function biasGradients(share1: number): number[][] {
  const w1 = share1,
    w2 = 1 - share1;
  return [
    [w1, w2, 0],
    [w2, -w2, 0],
    [-w1, w1, 0],
    [-w2, -w1, 1],
  ];
}

/** Sample standard deviation (n - 1 in the denominator); 0 for fewer than two values. */
export function sd(v: ArrayLike<number>): number {
  const n = v.length;
  if (n < 2) return 0;
  let m = 0;
  for (let i = 0; i < n; i++) m += v[i];
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (v[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos),
    hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    );
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5,
    r = q * q;
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  );
}

/** Linear functionals of the raw means (coefficients on R, U1, U2, S) the adjusted values are built from. */
const FUNCTIONALS = {
  R: [1, 0, 0, 0],
  U1: [0, 1, 0, 0],
  U2: [0, 0, 1, 0],
  S: [0, 0, 0, 1],
  'R-S': [1, 0, 0, -1],
  'U1-U2': [0, 1, -1, 0],
  'R+U1': [1, 1, 0, 0],
  'R+U2': [1, 0, 1, 0],
  'S+U1': [0, 1, 0, 1],
  'S+U2': [0, 0, 1, 1],
} as const;
type Functional = keyof typeof FUNCTIONALS;
const NAMES = Object.keys(FUNCTIONALS) as Functional[];
type Box = Record<Functional, [number, number]>;

const apply = (c: readonly number[], m: ArrayLike<number>) => c[0] * m[0] + c[1] * m[1] + c[2] * m[2] + c[3] * m[3];
const lo0 = ([a, b]: [number, number]): [number, number] => [Math.max(0, a), Math.max(0, b)];
const minOf = (x: [number, number], y: [number, number]): [number, number] => [
  Math.min(x[0], y[0]),
  Math.min(x[1], y[1]),
];
const hull = (x: [number, number], y: [number, number]): [number, number] => [
  Math.min(x[0], y[0]),
  Math.max(x[1], y[1]),
];

/**
 * Intervals of the adjusted values from intervals of smooth functionals of the raw means.
 * The reference's adjustment (adjustmentShift) is piecewise linear with kinks: with U1 and U2
 * negative it reports S + min(U1, U2) and max(0, U1 - U2). A bootstrap of such a value is
 * centred on an estimate that is itself biased at the kink (min of two noisy means sits low:
 * S came out 0.008 below the truth on symmetric sets at N = 2,000, and the percentile
 * interval covered 50-60 %). Written per case as min / max of linear functionals, each with
 * its own (smooth, well covered) interval, interval arithmetic gives the value's interval,
 * and where the data cannot tell which case applies, the union of the plausible cases.
 */
function adjustedBox(f: Box, adjust: boolean): Record<(typeof KEYS)[number], [number, number]> {
  const identity = { R: f.R, U1: f.U1, U2: f.U2, S: f.S };
  if (!adjust) return identity;
  const mRS = minOf(f.R, f.S),
    mU = minOf(f.U1, f.U2);
  const cases: Array<Record<(typeof KEYS)[number], [number, number]>> = [];
  // Case 1, R or S negative: shift by -min(R, S).
  if (mRS[0] < 0) {
    cases.push({
      R: lo0(f['R-S']),
      S: lo0([-f['R-S'][1], -f['R-S'][0]]),
      U1: minOf(f['R+U1'], f['S+U1']),
      U2: minOf(f['R+U2'], f['S+U2']),
    });
  }
  // Case 2, R and S not negative, U1 or U2 negative: shift by min(U1, U2).
  if (mRS[1] >= 0 && mU[0] < 0) {
    cases.push({
      R: minOf(f['R+U1'], f['R+U2']),
      S: minOf(f['S+U1'], f['S+U2']),
      U1: lo0(f['U1-U2']),
      U2: lo0([-f['U1-U2'][1], -f['U1-U2'][0]]),
    });
  }
  // Case 3, nothing negative: no shift.
  if (mRS[1] >= 0 && mU[1] >= 0) cases.push(identity);
  if (!cases.length) return identity;
  return cases.reduce((a, c) => ({ R: hull(a.R, c.R), U1: hull(a.U1, c.U1), U2: hull(a.U2, c.U2), S: hull(a.S, c.S) }));
}

/** Per-sample parts in the order of the raw means: R, U1, U2, S. */
type PartArrays = ArrayLike<number>[];

/**
 * Each fold's rows' four parts side by side ([m x 4] in the fold's row order): a bootstrap draw
 * reads one cache line instead of five scattered ones (the row index and four arrays), which
 * at 1M rows made the intervals a minute and a half of the analysis.
 */
function packFolds(parts: PartArrays, foldRows: Int32Array[]): Float64Array[] {
  return foldRows.map((rows) => {
    const out = new Float64Array(rows.length * 4);
    for (let j = 0; j < rows.length; j++) for (let q = 0; q < 4; q++) out[j * 4 + q] = parts[q][rows[j]];
    return out;
  });
}

/** Adds the parts of `m` packed rows into `sum`, the j-th being `pick(j)`. */
function addRows(packed: Float64Array, m: number, pick: (j: number) => number, sum: Float64Array): void {
  for (let j = 0; j < m; j++) {
    const o = pick(j) * 4;
    for (let q = 0; q < 4; q++) sum[q] += packed[o + q];
  }
}

/**
 * Above this many rows a fold (2 MiB packed) its bootstrap draws weights instead of rows: m
 * random reads miss the cache (34 ms a replicate at 200k rows, 1M rows' intervals took a
 * minute and a half), a pass with a Poisson(1) count per row reads in order (7 ms). The two
 * schemes agree to O(1/m) (the Poisson bootstrap's total count varies by sqrt(m), divided
 * out); at fewer rows the draws are as fast and the intervals stay as they were.
 */
export const POISSON_ROWS = 1 << 16;

/** P(Poisson(1) <= c) for c = 0, 1, ...: a count is the first c whose value exceeds a uniform draw. */
const POISSON_CDF = (() => {
  const out: number[] = [];
  let p = Math.exp(-1),
    c = p;
  for (let k = 1; c < 1 - 1e-16 && k < 30; k++) {
    out.push(c);
    p /= k;
    c += p;
  }
  out.push(1);
  return out;
})();

/** One bootstrap resample of a fold's m packed rows, its parts' sums (scaled to m rows) added into `sum`. */
function addResample(packed: Float64Array, m: number, rng: Rng, sum: Float64Array): void {
  if (m <= POISSON_ROWS) return addRows(packed, m, () => rng.int(m), sum);
  const part = new Float64Array(4);
  let total = 0;
  for (let j = 0; j < m; j++) {
    const u = rng.next();
    let c = 0;
    while (u >= POISSON_CDF[c]) c++;
    if (!c) continue;
    total += c;
    for (let q = 0; q < 4; q++) part[q] += c * packed[j * 4 + q];
  }
  for (let q = 0; q < 4; q++) sum[q] += total ? (part[q] * m) / total : 0;
}

/** Bootstrap of the raw means, resampling within each fold: B replicates of every functional. */
function bootstrapReplicates(folds: Float64Array[], B: number, rng: Rng): Float64Array[] {
  const count = folds.reduce((a, f) => a + f.length / 4, 0);
  const reps = NAMES.map(() => new Float64Array(B));
  for (let b = 0; b < B; b++) {
    const sum = new Float64Array(4);
    for (const fold of folds) addResample(fold, fold.length / 4, rng, sum);
    const mean = sum.map((v) => v / count);
    NAMES.forEach((name, q) => (reps[q][b] = apply(FUNCTIONALS[name], mean)));
  }
  return reps;
}

/**
 * Model-to-model variation: the fold means scatter by their own sampling variance plus
 * tau^2, the variance between models fitted on different training parts. tau^2 is the
 * excess of the observed scatter over the sampling part (a random-effects moment estimate),
 * and tau^2 / F is added to the bootstrap variance of the overall mean. Returns tau^2 / F
 * per functional.
 */
function foldExcessVariance(folds: Float64Array[], B: number, rng: Rng): number[] {
  const F = folds.length;
  const foldMeans = NAMES.map(() => new Float64Array(F));
  const foldSampling = NAMES.map(() => new Float64Array(F));
  const inner = Math.min(100, B);
  const meanOf = (fold: Float64Array, m: number, resample: boolean) => {
    const sum = new Float64Array(4);
    if (resample) addResample(fold, m, rng, sum);
    else addRows(fold, m, (j) => j, sum);
    return sum.map((v) => v / m);
  };
  folds.forEach((fold, f) => {
    const m = fold.length / 4;
    const v = meanOf(fold, m, false);
    const boots = NAMES.map(() => new Float64Array(inner));
    for (let b = 0; b < inner; b++) {
      const r = meanOf(fold, m, true);
      NAMES.forEach((name, q) => (boots[q][b] = apply(FUNCTIONALS[name], r)));
    }
    NAMES.forEach((name, q) => {
      foldMeans[q][f] = apply(FUNCTIONALS[name], v);
      foldSampling[q][f] = sd(boots[q]) ** 2;
    });
  });
  return NAMES.map((_, q) => {
    const tau2 = F >= 2 ? Math.max(0, sd(foldMeans[q]) ** 2 - foldSampling[q].reduce((a, b) => a + b, 0) / F) : 0;
    return tau2 / F;
  });
}

/** Variance a functional (coefficients `c`) inherits from the probes' corrections; 0 without them. */
function probeBiasVariance(pb: ProbeBias | undefined, c: readonly number[]): number {
  if (!pb) return 0;
  const grads = biasGradients(pb.share1);
  return [pb.i1, pb.i2, pb.i12].reduce((a, e, j) => {
    const slope = apply(
      c,
      grads.map((g) => g[j]),
    );
    return a + (slope * e) ** 2;
  }, 0);
}

/**
 * The bootstrap percentile interval of one functional, widened about its estimate by the
 * ratio of the total standard error to the bootstrap one (or, with no bootstrap spread, by
 * z times the extra standard error); it always contains the estimate.
 */
function widenedInterval(est: number, reps: Float64Array, extra: number, alpha: number, z: number): [number, number] {
  const sorted = Float64Array.from(reps).sort();
  let lo = quantile(sorted, alpha),
    hi = quantile(sorted, 1 - alpha);
  const vBoot = sd(reps) ** 2;
  if (vBoot > 0 && extra > 0) {
    const f = Math.sqrt((vBoot + extra) / vBoot);
    lo = est - (est - lo) * f;
    hi = est + (hi - est) * f;
  } else if (vBoot === 0 && extra > 0) {
    const half = z * Math.sqrt(extra);
    lo = Math.min(lo, est - half);
    hi = Math.max(hi, est + half);
  }
  return [Math.min(lo, est), Math.max(hi, est)];
}

/**
 * Intervals for the dataset values from the raw (unadjusted) per-sample parts and the rows
 * each fold's models predicted. `estimate` is the reported (adjusted) value; every interval
 * contains it.
 */
export function datasetIntervals(
  raw: Parts,
  foldRows: Int32Array[],
  estimate: Means,
  opts: IntervalOptions,
): Intervals {
  const level = opts.level ?? 0.9;
  const B = opts.replicates ?? 400;
  const rng = new Rng((opts.seed ?? 0) ^ 0x5bd1e995);
  const folds = packFolds([raw.r, raw.u1, raw.u2, raw.s], foldRows);
  // The rng draws: the overall bootstrap first, then the per-fold ones.
  const reps = bootstrapReplicates(folds, B, rng);
  const sum = new Float64Array(4);
  for (const fold of folds) addRows(fold, fold.length / 4, (j) => j, sum);
  const count = folds.reduce((a, f) => a + f.length / 4, 0);
  const point = sum.map((v) => v / count);
  const foldExtra = foldExcessVariance(folds, B, rng);
  const alpha = (1 - level) / 2;
  const z = normalQuantile(1 - alpha);
  const box = {} as Box;
  NAMES.forEach((name, q) => {
    const est = apply(FUNCTIONALS[name], point);
    const extra = foldExtra[q] + probeBiasVariance(opts.probeBias, FUNCTIONALS[name]);
    box[name] = widenedInterval(est, reps[q], extra, alpha, z);
  });
  const adjusted = adjustedBox(box, opts.adjust);
  const out = { level, replicates: B } as Intervals;
  for (const k of KEYS) out[k] = [Math.min(adjusted[k][0], estimate[k]), Math.max(adjusted[k][1], estimate[k])];
  return out;
}
