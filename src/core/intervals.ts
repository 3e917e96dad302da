import { Means, Parts, adjustmentShift, shiftMeans } from './decompose';
import { Rng } from './rng';

/**
 * Confidence intervals of the dataset values R, U1, U2, S.
 *
 * Two sources of uncertainty, both honest about cross-fitting:
 * - sampling: a bootstrap over the analysed samples, resampled within each fold (every
 *   fold's model predicted its own rows), each replicate adjusted like the estimate (the
 *   shift of the means is recomputed, so its kink is carried into the interval);
 * - fold to fold: the means of the folds scatter by more than sampling alone when the
 *   models fitted on different training parts differ; that excess (tau^2) is estimated
 *   from the folds and added to the variance.
 * The interval is the bootstrap percentile interval, widened about the estimate by the
 * ratio of the total standard error to the bootstrap one.
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
  const lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5, r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/** Adjusted (or raw) dataset means from the sums of raw parts over `count` samples. */
function finish(sum: Means, count: number, adjust: boolean): Means {
  const raw = { R: sum.R / count, U1: sum.U1 / count, U2: sum.U2 / count, S: sum.S / count };
  return adjust ? shiftMeans(raw, adjustmentShift(raw)) : raw;
}

/**
 * Intervals for the dataset values from the raw (unadjusted) per-sample parts and the rows
 * each fold's models predicted. `estimate` is the reported (adjusted) value the interval is
 * centred on when it is widened.
 */
export function datasetIntervals(raw: Parts, foldRows: Int32Array[], estimate: Means, opts: IntervalOptions): Intervals {
  const level = opts.level ?? 0.9;
  const B = opts.replicates ?? 400;
  const rng = new Rng((opts.seed ?? 0) ^ 0x5bd1e995);
  const parts = [raw.r, raw.u1, raw.u2, raw.s];
  const count = foldRows.reduce((a, f) => a + f.length, 0);
  const reps = KEYS.map(() => new Float64Array(B));
  for (let b = 0; b < B; b++) {
    const sum = { R: 0, U1: 0, U2: 0, S: 0 };
    for (const rows of foldRows) {
      const m = rows.length;
      for (let j = 0; j < m; j++) {
        const i = rows[rng.int(m)];
        sum.R += parts[0][i]; sum.U1 += parts[1][i]; sum.U2 += parts[2][i]; sum.S += parts[3][i];
      }
    }
    const v = finish(sum, count, opts.adjust);
    KEYS.forEach((k, q) => (reps[q][b] = v[k]));
  }
  // Model-to-model variation: the fold means scatter by their own sampling variance plus
  // tau^2, the variance between models fitted on different training parts. tau^2 is the
  // excess of the observed scatter over the sampling part (a random-effects moment estimate),
  // and tau^2 / F is added to the bootstrap variance of the overall mean.
  const F = foldRows.length;
  const foldMeans = KEYS.map(() => new Float64Array(F));
  const foldSampling = KEYS.map(() => new Float64Array(F));
  const inner = Math.min(100, B);
  foldRows.forEach((rows, f) => {
    const m = rows.length;
    const mean = (pick: (j: number) => number) => {
      const sum = { R: 0, U1: 0, U2: 0, S: 0 };
      for (let j = 0; j < m; j++) { const i = pick(j); sum.R += parts[0][i]; sum.U1 += parts[1][i]; sum.U2 += parts[2][i]; sum.S += parts[3][i]; }
      return finish(sum, m, opts.adjust);
    };
    const v = mean((j) => rows[j]);
    const boots = KEYS.map(() => new Float64Array(inner));
    for (let b = 0; b < inner; b++) { const r = mean(() => rows[rng.int(m)]); KEYS.forEach((k, q) => (boots[q][b] = r[k])); }
    KEYS.forEach((k, q) => { foldMeans[q][f] = v[k]; foldSampling[q][f] = sd(boots[q]) ** 2; });
  });
  const alpha = (1 - level) / 2;
  const z = normalQuantile(1 - alpha);
  const out = { level, replicates: B } as Intervals;
  KEYS.forEach((k, q) => {
    const sorted = Float64Array.from(reps[q]).sort();
    let lo = quantile(sorted, alpha), hi = quantile(sorted, 1 - alpha);
    const vBoot = sd(reps[q]) ** 2;
    const tau2 = F >= 2 ? Math.max(0, sd(foldMeans[q]) ** 2 - foldSampling[q].reduce((a, b) => a + b, 0) / F) : 0;
    if (vBoot > 0 && tau2 > 0) {
      const f = Math.sqrt((vBoot + tau2 / F) / vBoot);
      lo = estimate[k] - (estimate[k] - lo) * f;
      hi = estimate[k] + (hi - estimate[k]) * f;
    } else if (vBoot === 0 && tau2 > 0) {
      const half = z * Math.sqrt(tau2 / F);
      lo = Math.min(lo, estimate[k] - half);
      hi = Math.max(hi, estimate[k] + half);
    }
    out[k] = [Math.min(lo, estimate[k]), Math.max(hi, estimate[k])];
  });
  return out;
}
