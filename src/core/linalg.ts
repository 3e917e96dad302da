/** Small dense linear algebra on row-major Float64Arrays (matrices up to a few hundred rows). */
import { countProduct } from './flops';
import { Rng } from './rng';

/** Eigen-decomposition of a symmetric n x n matrix by cyclic Jacobi; eigenvalues descending. */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1),
          s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p],
            mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k],
            mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p],
            vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j] - m[i * n + i]);
  const values = Float64Array.from(order, (i) => m[i * n + i]);
  const vectors = new Float64Array(n * n); // columns are eigenvectors
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/** How topEigen multiplies and where it starts. */
export interface EigenOptions {
  seed?: number;
  /** subspace iterations (fewer suffice from a good `start`) */
  iters?: number;
  /**
   * A q for q [n x p]. Callers with a tensor backend pass faster products for this and
   * `mulRight` (this file's plain-JS product runs at ~0.2 GFLOP/s, ~50x below tfjs-wasm).
   */
  mulA?: (q: Float64Array, p: number) => Float64Array;
  /** q [n x p] times m [p x c] */
  mulRight?: (q: Float64Array, m: Float64Array, p: number, c: number) => Float64Array;
  /** starting columns [n x startCols] (e.g. a previous checkpoint's axes); random ones fill the rest */
  start?: { vectors: Float64Array; cols: number };
}

/** Top-k eigenpairs of a symmetric n x n matrix by subspace iteration with Rayleigh-Ritz. */
export function topEigen(
  a: Float64Array,
  n: number,
  k: number,
  o: EigenOptions = {},
): { values: Float64Array; vectors: Float64Array } {
  if (n <= 64 || k >= n) {
    const e = symmetricEigen(a, n);
    const kk = Math.min(k, n);
    const vec = new Float64Array(n * kk);
    for (let r = 0; r < n; r++) for (let c = 0; c < kk; c++) vec[r * kk + c] = e.vectors[r * n + c];
    return { values: e.values.slice(0, kk), vectors: vec };
  }
  const mulA = o.mulA ?? ((q: Float64Array, p: number) => matMul(a, q, n, n, p));
  const mulRight = o.mulRight ?? ((q: Float64Array, m: Float64Array, p: number, c: number) => matMul(q, m, n, p, c));
  const p = Math.min(n, k + 8); // oversampling speeds convergence of the k-th vector
  let q = choleskyOrthonormal(startColumns(n, p, o.seed ?? 1, o.start), n, p, mulRight);
  for (let it = 0; it < (o.iters ?? 60); it++) q = choleskyOrthonormal(mulA(q, p), n, p, mulRight);
  // Once more before Rayleigh-Ritz: one Cholesky step leaves errors that grow with the columns'
  // condition, and the products may run in float32; where that is still not orthonormal to
  // 1e-5, Gram-Schmidt in float64 (Rayleigh-Ritz assumes it).
  q = choleskyOrthonormal(q, n, p, mulRight);
  if (!orthonormal(q, n, p, 1e-5)) orthonormalizeColumns(q, n, p);
  // Rayleigh-Ritz: eigen-decompose Q^T A Q.
  const aq = mulA(q, p);
  const small = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += q[r * p + i] * aq[r * p + j];
      small[i * p + j] = s;
    }
  for (let i = 0; i < p; i++)
    for (let j = 0; j < i; j++) small[i * p + j] = small[j * p + i] = (small[i * p + j] + small[j * p + i]) / 2;
  const e = symmetricEigen(small, p);
  const top = new Float64Array(p * k);
  for (let j = 0; j < p; j++) for (let c = 0; c < k; c++) top[j * k + c] = e.vectors[j * p + c];
  return { values: e.values.slice(0, k), vectors: mulRight(q, top, p, k) };
}

/** Whether q^T q is the identity to `tol` (entry by entry). */
function orthonormal(q: Float64Array, n: number, p: number, tol: number): boolean {
  const g = gram(q, n, p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j <= i; j++) if (!(Math.abs(g[i * p + j] - (i === j ? 1 : 0)) <= tol)) return false;
  return true;
}

/** q^T q [p x p] for q [n x p], in float64 (symmetric: each pair once). */
function gram(q: Float64Array, n: number, p: number): Float64Array {
  const cols = new Float64Array(n * p);
  for (let r = 0; r < n; r++) for (let c = 0; c < p; c++) cols[c * n + r] = q[r * p + c];
  countProduct(p, n, p / 2);
  const g = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    const ci = cols.subarray(i * n, i * n + n);
    for (let j = 0; j <= i; j++) {
      const cj = cols.subarray(j * n, j * n + n);
      let s = 0;
      for (let r = 0; r < n; r++) s += ci[r] * cj[r];
      g[i * p + j] = g[j * p + i] = s;
    }
  }
  return g;
}

/** [n x p] starting columns: the given ones first (as many as fit), then standard normal draws. */
function startColumns(n: number, p: number, seed: number, start?: EigenOptions['start']): Float64Array {
  const rng = new Rng(seed);
  const q = new Float64Array(n * p);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  const cols = start && start.vectors.length === n * start.cols ? Math.min(start.cols, p) : 0;
  for (let r = 0; r < n; r++) for (let c = 0; c < cols; c++) q[r * p + c] = start!.vectors[r * start!.cols + c];
  return q;
}

/**
 * Orthonormal columns spanning q's by Cholesky QR: Q = q R^-1 with R^T R = q^T q. The Gram
 * matrix (float64, half of one Gram-Schmidt pass) and a product replace Gram-Schmidt's two
 * passes in JS, which were most of the feature spaces' time at D = 512+. Where q^T q is not
 * numerically positive definite (dependent columns), Gram-Schmidt.
 */
function choleskyOrthonormal(
  q: Float64Array,
  n: number,
  p: number,
  mulRight: NonNullable<EigenOptions['mulRight']>,
): Float64Array {
  const l = cholesky(gram(q, n, p), p);
  if (!l) {
    orthonormalizeColumns(q, n, p);
    return q;
  }
  // R^-1 = (L^T)^-1 = (L^-1)^T
  const li = invertLower(l, p);
  const rInv = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j <= i; j++) rInv[j * p + i] = li[i * p + j];
  return mulRight(q, rInv, p, p);
}

export function matMul(a: Float64Array, b: Float64Array, n: number, m: number, p: number): Float64Array {
  countProduct(n, m, p);
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k];
      if (aik === 0) continue;
      for (let j = 0; j < p; j++) out[i * p + j] += aik * b[k * p + j];
    }
  return out;
}

function orthonormalizeColumns(q: Float64Array, n: number, p: number): void {
  // Gram-Schmidt twice, on a column-major copy: each column contiguous (row-major strides by p
  // made this the slowest part of fitting the feature spaces at D = 512+).
  const cols = new Float64Array(n * p);
  countProduct(n, p, p); // two passes of a dot and an update per pair of columns
  for (let r = 0; r < n; r++) for (let c = 0; c < p; c++) cols[c * n + r] = q[r * p + c];
  for (let c = 0; c < p; c++) {
    const col = cols.subarray(c * n, c * n + n);
    for (let pass = 0; pass < 2; pass++) {
      for (let d = 0; d < c; d++) {
        const other = cols.subarray(d * n, d * n + n);
        let dot = 0;
        for (let r = 0; r < n; r++) dot += col[r] * other[r];
        for (let r = 0; r < n; r++) col[r] -= dot * other[r];
      }
    }
    let norm = 0;
    for (let r = 0; r < n; r++) norm += col[r] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let r = 0; r < n; r++) col[r] /= norm;
  }
  for (let r = 0; r < n; r++) for (let c = 0; c < p; c++) q[r * p + c] = cols[c * n + r];
}

/** Lower Cholesky factor of a symmetric positive definite matrix, or undefined if it is not. */
export function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 0)) return undefined;
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j];
    }
  }
  return l;
}

/** Inverse of a lower-triangular matrix (itself lower-triangular). */
export function invertLower(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    inv[i * n + i] = 1 / l[i * n + i];
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let k = j; k < i; k++) s += l[i * n + k] * inv[k * n + j];
      inv[i * n + j] = -s / l[i * n + i];
    }
  }
  return inv;
}
