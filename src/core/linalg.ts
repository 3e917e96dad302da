/** Small dense linear algebra on row-major Float64Arrays (matrices up to a few hundred rows). */
import { countProduct } from './flops';
import { Rng } from './rng';

/**
 * Eigen-decomposition of a symmetric n x n matrix (row-major); eigenvalues descending, the
 * eigenvectors the columns of `vectors`. Householder reduction to tridiagonal form, then the
 * implicit QL iteration with Wilkinson-style shifts (the classical tred2 / tql2 pair): ~6n^3
 * operations, where the cyclic Jacobi sweeps this replaced took ~15n^3 and 200 ms for the
 * probe axes' 136 x 136 Rayleigh-Ritz matrix.
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const v = Float64Array.from(a); // becomes the eigenvectors (columns)
  const d = new Float64Array(n),
    e = new Float64Array(n);
  if (n > 0) {
    tridiagonalize(v, n, d, e);
    tridiagonalQl(v, n, d, e);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i] || i - j);
  const values = Float64Array.from(order, (i) => d[i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/**
 * Householder reduction of the symmetric matrix in v (row-major, overwritten by the
 * accumulated orthogonal transform) to tridiagonal form: diagonal d, subdiagonal e[1..n-1].
 */
function tridiagonalize(v: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let j = 0; j < n; j++) d[j] = v[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0,
      h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    if (scale === 0) {
      e[i] = d[i - 1];
      for (let j = 0; j < i; j++) {
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
        v[j * n + i] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      let f = d[i - 1];
      let g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j];
        v[j * n + i] = f;
        g = e[j] + v[j * n + j] * f;
        for (let k = j + 1; k < i; k++) {
          g += v[k * n + j] * d[k];
          e[k] += v[k * n + j] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] -= hh * d[j];
      for (let j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (let k = j; k < i; k++) v[k * n + j] -= f * e[k] + g * d[k];
        d[j] = v[(i - 1) * n + j];
        v[i * n + j] = 0;
      }
    }
    d[i] = h;
  }
  accumulateTransforms(v, n, d);
  e[0] = 0;
}

/** The Householder reflections stored in v, multiplied out into the orthogonal matrix (in v); d gets the diagonal. */
function accumulateTransforms(v: Float64Array, n: number, d: Float64Array): void {
  for (let i = 0; i < n - 1; i++) {
    v[(n - 1) * n + i] = v[i * n + i];
    v[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = v[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += v[k * n + i + 1] * v[k * n + j];
        for (let k = 0; k <= i; k++) v[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) v[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = v[(n - 1) * n + j];
    v[(n - 1) * n + j] = 0;
  }
  v[(n - 1) * n + n - 1] = 1;
}

/**
 * Eigenvalues (into d) and eigenvectors (applied to v's columns) of the symmetric tridiagonal
 * matrix with diagonal d and subdiagonal e[1..n-1], by the QL iteration with implicit shifts.
 */
function tridiagonalQl(v: Float64Array, n: number, d: Float64Array, e: Float64Array): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  let shift = 0,
    norm = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    norm = Math.max(norm, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]) > eps * norm) m++;
    // An unreduced block l..m: QL steps until its first off-diagonal entry vanishes.
    for (let iter = 0; m > l && Math.abs(e[l]) > eps * norm; iter++) {
      // ~1-2 steps an eigenvalue (cubic convergence); 60 means something is wrong (e.g. scales
      // near underflow): an error rather than an unconverged value deflated silently.
      if (iter === 60) throw new Error('symmetric eigen-decomposition: the QL iteration did not converge');
      const g0 = d[l];
      let p = (d[l + 1] - g0) / (2 * e[l]);
      let r = Math.hypot(p, 1);
      if (p < 0) r = -r;
      d[l] = e[l] / (p + r);
      d[l + 1] = e[l] * (p + r);
      const dl1 = d[l + 1];
      const h0 = g0 - d[l];
      for (let i = l + 2; i < n; i++) d[i] -= h0;
      shift += h0;
      p = d[m];
      let c = 1,
        c2 = 1,
        c3 = 1,
        s = 0,
        s2 = 0;
      const el1 = e[l + 1];
      for (let i = m - 1; i >= l; i--) {
        c3 = c2;
        c2 = c;
        s2 = s;
        const g = c * e[i];
        const h = c * p;
        r = Math.hypot(p, e[i]);
        e[i + 1] = s * r;
        s = e[i] / r;
        c = p / r;
        p = c * d[i] - s * g;
        d[i + 1] = h + s * (c * g + s * d[i]);
        for (let k = 0; k < n; k++) {
          const vk1 = v[k * n + i + 1];
          v[k * n + i + 1] = s * v[k * n + i] + c * vk1;
          v[k * n + i] = c * v[k * n + i] - s * vk1;
        }
      }
      p = (-s * s2 * c3 * el1 * e[l]) / dl1;
      e[l] = s * p;
      d[l] = c * p;
    }
    d[l] += shift;
    e[l] = 0;
  }
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
