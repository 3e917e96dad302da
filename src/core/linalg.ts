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

/** Top-k eigenpairs of a symmetric n x n matrix by subspace iteration with Rayleigh-Ritz. */
/**
 * `mulA(q)` multiplies A [n x n] by q [n x p]; callers with a tensor backend pass a faster one
 * (this file's plain-JS product runs at ~0.2 GFLOP/s, ~50x below tfjs-wasm).
 */
export function topEigen(
  a: Float64Array,
  n: number,
  k: number,
  seed = 1,
  iters = 60,
  mulA: (q: Float64Array, p: number) => Float64Array = (q, p) => matMul(a, q, n, n, p),
): { values: Float64Array; vectors: Float64Array } {
  if (n <= 64 || k >= n) {
    const e = symmetricEigen(a, n);
    const kk = Math.min(k, n);
    const vec = new Float64Array(n * kk);
    for (let r = 0; r < n; r++) for (let c = 0; c < kk; c++) vec[r * kk + c] = e.vectors[r * n + c];
    return { values: e.values.slice(0, kk), vectors: vec };
  }
  const p = Math.min(n, k + 8); // oversampling speeds convergence of the k-th vector
  const rng = new Rng(seed);
  let q: Float64Array = new Float64Array(n * p);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  orthonormalizeColumns(q, n, p);
  for (let it = 0; it < iters; it++) {
    q = mulA(q, p);
    orthonormalizeColumns(q, n, p);
  }
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
  const vec = new Float64Array(n * k);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += q[r * p + j] * e.vectors[j * p + c];
      vec[r * k + c] = s;
    }
  return { values: e.values.slice(0, k), vectors: vec };
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
