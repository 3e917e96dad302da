import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { symmetricEigen } from '../src/core/linalg';
import { Rng } from '../src/core/rng';
import { randomOrthogonal } from '../src/core/synthetic/mixture';

/** Q diag(values) Q^T. */
function withSpectrum(values: number[], rng: Rng): Float64Array {
  const n = values.length;
  const q = randomOrthogonal(n, rng);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k] * values[k] * q[j * n + k];
      a[i * n + j] = s;
    }
  return a;
}

/** Largest |A v - lambda v| over the pairs and largest |V^T V - I|, relative to the spectrum's scale. */
function check(a: Float64Array, n: number, label: string): Float64Array {
  const { values, vectors } = symmetricEigen(a, n);
  const scale = Math.max(1e-300, ...Array.from(values, Math.abs));
  for (let i = 1; i < n; i++) assert.ok(values[i] <= values[i - 1], `${label}: eigenvalues descending`);
  let residual = 0,
    orth = 0;
  for (let c = 0; c < n; c++)
    for (let r = 0; r < n; r++) {
      let av = 0;
      for (let k = 0; k < n; k++) av += a[r * n + k] * vectors[k * n + c];
      residual = Math.max(residual, Math.abs(av - values[c] * vectors[r * n + c]) / scale);
    }
  for (let c = 0; c < n; c++)
    for (let p = 0; p <= c; p++) {
      let dot = 0;
      for (let r = 0; r < n; r++) dot += vectors[r * n + c] * vectors[r * n + p];
      orth = Math.max(orth, Math.abs(dot - (c === p ? 1 : 0)));
    }
  assert.ok(residual < 1e-12 * Math.max(n, 10), `${label}: |Av - lambda v| up to ${residual}`);
  assert.ok(orth < 1e-12 * Math.max(n, 10), `${label}: eigenvectors off orthonormal by ${orth}`);
  return values;
}

test('symmetric eigen: known spectra, residuals and orthonormal eigenvectors at every size', () => {
  const rng = new Rng(3);
  for (const n of [1, 2, 3, 7, 40, 136]) {
    const spectrum = Array.from({ length: n }, () => 10 * rng.normal());
    const values = check(withSpectrum(spectrum, rng), n, `n ${n}`);
    const sorted = [...spectrum].sort((x, y) => y - x);
    const scale = Math.max(...sorted.map(Math.abs));
    sorted.forEach((v, i) => assert.ok(Math.abs(values[i] - v) < 1e-11 * scale, `n ${n}: eigenvalue ${i}`));
  }
});

test('symmetric eigen: repeated, zero and widely spread eigenvalues, diagonal and zero matrices', () => {
  const rng = new Rng(4);
  // A correlation-like spectrum: a few large values, a flat noise bulk, exact repeats, zeros.
  const spectrum = [50, 20, 20, 20, 5, ...Array.from({ length: 30 }, () => 0.1), 1e-9, 0, 0];
  const values = check(withSpectrum(spectrum, rng), spectrum.length, 'repeated');
  [...spectrum].sort((x, y) => y - x).forEach((v, i) => assert.ok(Math.abs(values[i] - v) < 1e-11 * 50));
  // Blocks with a zero row between them (both branches of the Householder step in one matrix), at extreme scales.
  const n = 9;
  const blocks = new Float64Array(n * n);
  const b1 = withSpectrum([4, -2, 1], rng),
    b2 = withSpectrum([3, 3, 0.5, -7, 2], rng);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) blocks[i * n + j] = b1[i * 3 + j];
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) blocks[(i + 4) * n + j + 4] = b2[i * 5 + j];
  for (const scale of [1, 1e-150, 1e150]) {
    const got = check(
      blocks.map((v) => v * scale),
      n,
      `blocks x ${scale}`,
    );
    [4, 3, 3, 2, 1, 0.5, 0, -2, -7].forEach((v, i) =>
      assert.ok(Math.abs(got[i] / scale - v) < 1e-12 * 7, `x ${scale}: ${i}`),
    );
  }
  const diag = new Float64Array(9);
  [3, -1, 2].forEach((v, i) => (diag[i * 3 + i] = v));
  assert.deepEqual(Array.from(check(diag, 3, 'diagonal')), [3, 2, -1]);
  assert.deepEqual(Array.from(check(new Float64Array(16), 4, 'zero')), [0, 0, 0, 0]);
  assert.deepEqual(symmetricEigen(new Float64Array(0), 0), {
    values: new Float64Array(0),
    vectors: new Float64Array(0),
  });
});
