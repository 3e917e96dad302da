import * as tf from '@tensorflow/tfjs-core';
import { EigenOptions, topEigen } from './linalg';
import { matMul, readAndDispose, readInto } from './tensors';
import { Columns, gather, rowRange, sharedFloat32, sideBySide } from './rows';
import type { ModalityAxes } from './warm-solutions';

/**
 * How features are scaled before the models see them. The same rule runs at every
 * checkpoint so curves over epochs stay comparable:
 * - probes get each column z-scored (constant columns dropped);
 * - entropy models get those z-scores projected on their top-k principal axes and whitened
 *   (unit variance per axis), so both modalities' h(x) live in spaces of equal dimension
 *   and scale, and the -k/2 log(2 pi) constants cancel in min(h(x1), h(x2)).
 */
export interface FeatureSpace {
  dim: number;
  mean: Float64Array;
  /** per-column standard deviation; 0 marks a constant column that is dropped */
  std: Float64Array;
  /** [dim x k] map from centred raw features to whitened coordinates */
  whiten: Float64Array;
  k: number;
  /** fraction of the z-scored variance the k axes keep */
  explained: number;
  /** each whitened axis's standard deviation in z-score units (the square root of its eigenvalue) */
  axisSd: Float64Array;
  /** log|det W| of raw -> whitened when that map is invertible (k = dim, no constant column), else null */
  logDet: number | null;
  /** the MLP probes' inputs when the z-scores have more columns than `probeDim` (see probeAxes) */
  probe?: ProbeAxes;
  /** the principal axes found [z columns x k'] (k' >= k), which start the next checkpoint's */
  axes?: Float64Array;
}

/**
 * Above `probeDim` z-scored columns the MLP probes see the z-scores projected on their top
 * principal axes instead: the first layer's cost (most of a probe's FLOPs at D = 512-4096) no
 * longer grows with D. Not whitened (the axes keep their relative variance, so noise directions
 * are not blown up), one scale for all so the coordinates' mean variance is 1 like z-scores.
 */
export interface ProbeAxes {
  /** [z columns x p], scale included */
  basis: Float32Array;
  p: number;
  /** share of the z-scored variance the p axes keep */
  explained: number;
}

export function columnStats(x: Float32Array, n: number, d: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(d),
    m2 = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const e = x[i * d + j] - mean[j];
      m2[j] += e * e;
    }
  const std = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(m2[j] / n);
    // A column whose spread is negligible against its magnitude carries no usable signal.
    std[j] = s > 1e-7 * Math.max(1, Math.abs(mean[j])) ? s : 0;
  }
  return { mean, std };
}

/**
 * The z-scores of x [n x d] with constant columns removed ([n x d'] as read), without a copy:
 * the raw rows and the map (rows.ts Standardize).
 */
export function standardized(x: Float32Array, d: number, stats: ReturnType<typeof columnStats>): Columns {
  const keep: number[] = [];
  for (let j = 0; j < d; j++) if (stats.std[j] > 0) keep.push(j);
  const cols = Int32Array.from(keep);
  return {
    data: x,
    dim: cols.length,
    standardize: {
      stride: d,
      cols,
      mean: Float64Array.from(cols, (j) => stats.mean[j]),
      std: Float64Array.from(cols, (j) => stats.std[j]),
    },
  };
}

/** Rows used for the correlation matrix: the map only has to be fixed and invertible, and its log|det| is exact whatever rows chose it. */
export const MAX_COVARIANCE_ROWS = 4096;

export function fitSpace(
  x: Float32Array,
  n: number,
  d: number,
  kMax: number,
  seed: number,
  stats = columnStats(x, n, d),
  probeDim = 0,
  start?: ModalityAxes,
): FeatureSpace {
  const z = standardized(x, d, stats);
  const dz = z.dim;
  if (dz === 0) throw new Error('every feature column is constant');
  const m = Math.min(n, MAX_COVARIANCE_ROWS);
  const rows = gather(
    sideBySide(z),
    Int32Array.from({ length: m }, (_, i) => Math.floor((i * n) / m)),
  );
  // Correlation matrix Z^T Z / m; the explicit transpose keeps wasm on its fast matmul path.
  const corr = readAndDispose(
    tf.tidy(() => {
      const zt = tf.tensor2d(rows, [m, dz]);
      return tf.div(matMul(tf.transpose(zt), zt), m);
    }),
  );
  const c = Float64Array.from(corr);
  for (let i = 0; i < dz; i++)
    for (let j = 0; j < i; j++) c[i * dz + j] = c[j * dz + i] = (c[i * dz + j] + c[j * dz + i]) / 2;
  const { e, probe } = principalAxes(c, dz, Math.min(kMax, dz), seed, probeDim, start?.dz === dz ? start : undefined);
  const total = dz; // trace of a correlation matrix
  const tol = 1e-9 * Math.max(e.values[0], 1e-300);
  const kept: number[] = [];
  for (let j = 0; j < e.values.length; j++) if (e.values[j] > tol) kept.push(j);
  const k = kept.length;
  const kk = e.values.length;
  const whiten = new Float64Array(d * k);
  let cz = 0;
  for (let j = 0; j < d; j++) {
    if (stats.std[j] === 0) continue;
    for (let c2 = 0; c2 < k; c2++) {
      const a = kept[c2];
      whiten[j * k + c2] = e.vectors[cz * kk + a] / (stats.std[j] * Math.sqrt(e.values[a]));
    }
    cz++;
  }
  let explained = 0,
    logEig = 0;
  for (const a of kept) {
    explained += e.values[a];
    logEig += Math.log(e.values[a]);
  }
  let logStd = 0;
  for (let j = 0; j < d; j++) if (stats.std[j] > 0) logStd += Math.log(stats.std[j]);
  const invertible = k === d;
  return {
    dim: d,
    mean: stats.mean,
    std: stats.std,
    whiten,
    k,
    explained: explained / total,
    axisSd: Float64Array.from(kept, (a) => Math.sqrt(e.values[a])),
    logDet: invertible ? -logStd - 0.5 * logEig : null,
    ...(probe ? { probe } : {}),
    axes: e.vectors,
  };
}

/**
 * The entropy space's top k axes (25 subspace iterations, or WARM_EIGEN_ITERS from a previous
 * checkpoint's axes) and the probes' axes above `probeDim` columns.
 */
function principalAxes(c: Float64Array, dz: number, k: number, seed: number, probeDim: number, start?: ModalityAxes) {
  const cT = tf.tensor2d(Float32Array.from(c), [dz, dz]);
  try {
    const products = tfProducts(cT, dz);
    const warm = start?.entropy ? { start: start.entropy, iters: WARM_EIGEN_ITERS } : {};
    const e = topEigen(c, dz, k, { seed, iters: 25, ...products, ...warm });
    const probe = probeDim > 0 && dz > probeDim ? probeAxes(c, products, dz, probeDim, seed, start) : undefined;
    return { e, probe };
  } finally {
    cT.dispose();
  }
}

/**
 * Subspace iterations from the previous checkpoint's axes. Past the signal's axes the
 * correlation spectrum is a near-flat noise bulk whose axes never settle (cold's 25 iterations
 * do not settle them either), so a tolerance would run them all; the signal's axes, already
 * found last time, need only a few.
 */
const WARM_EIGEN_ITERS = 5;

/** topEigen's products on tfjs: c (cT, on tfjs) times q, and q [dz x p] times a small matrix. */
function tfProducts(cT: tf.Tensor2D, dz: number): Pick<EigenOptions, 'mulA' | 'mulRight'> {
  const product = (a: tf.Tensor2D, b: Float64Array, rows: number, cols: number) =>
    Float64Array.from(readAndDispose(tf.tidy(() => matMul(a, tf.tensor2d(Float32Array.from(b), [rows, cols])))));
  return {
    mulA: (q, p) => product(cT, q, dz, p),
    mulRight: (q, m, p, c) => {
      const qt = tf.tensor2d(Float32Array.from(q), [dz, p]);
      try {
        return product(qt, m, p, c);
      } finally {
        qt.dispose();
      }
    },
  };
}

/** The top p axes of the correlation matrix c, by a few subspace iterations: a good subspace is enough here. */
function probeAxes(
  c: Float64Array,
  products: Pick<EigenOptions, 'mulA' | 'mulRight'>,
  dz: number,
  p: number,
  seed: number,
  start?: ModalityAxes,
): ProbeAxes {
  // Two power iterations with oversampling find the dominant subspace well enough for a probe's
  // input; from the last checkpoint's axes they start closer still.
  const from = start?.probe?.p === p ? { start: { vectors: Float64Array.from(start.probe.basis), cols: p } } : {};
  const e = topEigen(c, dz, p, { seed: seed + 1, iters: 2, ...products, ...from });
  let kept = 0;
  for (const v of e.values) kept += Math.max(v, 0);
  const scale = Math.sqrt(p / Math.max(kept, 1e-12));
  return { basis: Float32Array.from(e.vectors, (v) => v * scale), p, explained: kept / dz };
}

/** z-scores [n x dz] (rows a..a + count of them from `rows`) on the probe axes: [n x p]. */
export function onProbeAxes(rows: RowsOf, n: number, dz: number, axes: ProbeAxes): Float32Array {
  return byRows(n, dz, rows, [{ w: axes.basis, k: axes.p }])[0];
}

/** Rows a..a + count of a matrix, [count x its columns], written into `into` when given (a buffer reused per block). */
type RowsOf = (a: number, count: number, into?: Float32Array) => Float32Array;

/**
 * The linear probe's L2 weight on each whitened axis: an L2 penalty that is isotropic in the
 * principal coordinates (the z-scores rotated onto the top k axes, one common scale for all so
 * that their mean variance is 1, like z-scores'), written in the whitened ones: a weight on
 * axis j is penalised 1 / (sd_j scale)^2 times. The same fit as on the principal coordinates
 * (logits and penalty alike), with the whitened coordinates' conditioning for L-BFGS.
 *
 * Isotropic L2 on the whitened coordinates themselves shrinks a weight along a noise axis (blown
 * up to unit variance) as much as one along the class signal, which in a trained model's
 * features sits on the top axes. On the speed bench's clusters (Gaussian classes seen through
 * a random map into 64 dims: the Bayes posterior is linear) the whitened fit's held-out loss
 * was 0.127 where this one's was 0.090 and the MLP's 0.091: the MLP won the linear family's
 * own data.
 */
export function axisPenalty(space: Pick<FeatureSpace, 'k' | 'axisSd'>): Float64Array {
  const { k, axisSd } = space;
  let variance = 0;
  for (let j = 0; j < k; j++) variance += axisSd[j] ** 2;
  const scale2 = k / Math.max(variance, 1e-300);
  return Float64Array.from(axisSd, (sd) => 1 / (sd * sd * scale2));
}

/** One modality scaled: its feature space, whitened principal coordinates (entropy models) and the probes' inputs. */
export interface ScaledModality {
  space: FeatureSpace;
  zEntropy: Float32Array;
  /** the probes' inputs: the z-scores read from the features themselves, or their probe-axes coordinates */
  z: Columns;
}

export function scaleModality(
  x: Float32Array,
  n: number,
  d: number,
  entropyDim: number,
  seed: number,
  probeDim: number,
  start?: ModalityAxes,
): ScaledModality {
  const stats = columnStats(x, n, d);
  const space = fitSpace(x, n, d, entropyDim, seed, stats, probeDim, start);
  const z = standardized(x, d, stats);
  const rows: RowsOf = (a, count, into) => rowRange(sideBySide(z), a, count, into);
  // One pass over the rows makes both projections: each block is z-scored once.
  const maps = [{ w: whitening(z.dim, space), k: space.k }];
  if (space.probe) maps.push({ w: space.probe.basis, k: space.probe.p });
  const [zEntropy, onAxes] = byRows(n, z.dim, rows, maps);
  return { space, zEntropy, z: space.probe ? { data: onAxes, dim: space.probe.p } : z };
}

/**
 * The map [dz x k] from the z-scores (kept columns) to whitened coordinates: the same map as
 * `whiten` on centred raw features, without a centred copy of the features (90 ms at 10k x 512).
 */
function whitening(dz: number, s: FeatureSpace): Float32Array {
  const { k } = s;
  const w = new Float32Array(dz * k);
  let cz = 0;
  for (let j = 0; j < s.dim; j++) {
    if (s.std[j] === 0) continue;
    for (let c = 0; c < k; c++) w[cz * k + c] = s.whiten[j * k + c] * s.std[j];
    cz++;
  }
  return w;
}

/**
 * Values per product block (16 MiB). A block's rows are z-scored into one buffer kept for the
 * pass and its products read into the shared outputs in place: fresh arrays per block (64 MiB
 * blocks, and their products read out) were garbage the collector left standing (one 1M x 64
 * modality, in one process: 256 MB above its output, now 174).
 */
const PRODUCT_VALUES = 1 << 22;

/** rows(a, count) [count x d] times each map w [d x k], block by block: [n x k] each, in shared memory. */
function byRows(n: number, d: number, rows: RowsOf, maps: Array<{ w: Float32Array; k: number }>): Float32Array[] {
  const outs = maps.map(({ k }) => sharedFloat32(n * k));
  const step = Math.max(1, Math.floor(PRODUCT_VALUES / Math.max(d, ...maps.map((m) => m.k))));
  const buffer = new Float32Array(Math.min(n, step) * d);
  const ws = tf.tidy(() => maps.map(({ w, k }) => tf.tensor2d(w, [d, k])));
  try {
    for (let a = 0; a < n; a += step) {
      const count = Math.min(step, n - a);
      const block = tf.tensor2d(rows(a, count, buffer), [count, d]);
      try {
        ws.forEach((wt, i) => {
          const product = matMul(block, wt);
          try {
            readInto(product, outs[i], a * maps[i].k);
          } finally {
            product.dispose();
          }
        });
      } finally {
        block.dispose();
      }
    }
  } finally {
    for (const wt of ws) wt.dispose();
  }
  return outs;
}
