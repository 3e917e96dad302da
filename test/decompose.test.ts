import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  adjustmentShift,
  classMeans,
  decompose,
  labelPrior,
  means,
  shiftMeans,
  shiftParts,
} from '../src/core/decompose';
import { Rng } from '../src/core/rng';

function randomPointwise(n: number, seed: number) {
  const rng = new Rng(seed);
  const arr = (scale: number, offset = 0) => Float64Array.from({ length: n }, () => offset + scale * rng.normal());
  return { i1: arr(0.5), i2: arr(0.5), i12: arr(0.7, 0.3), h1: arr(2, 1), h2: arr(2, 1) };
}

test('per sample r + u1 + u2 + s = i12, r + u1 = i1, r + u2 = i2', () => {
  const p = randomPointwise(5000, 1);
  const d = decompose(p);
  for (let k = 0; k < 5000; k++) {
    assert.ok(Math.abs(d.r[k] + d.u1[k] + d.u2[k] + d.s[k] - p.i12[k]) < 1e-12);
    assert.ok(Math.abs(d.r[k] + d.u1[k] - p.i1[k]) < 1e-12);
    assert.ok(Math.abs(d.r[k] + d.u2[k] - p.i2[k]) < 1e-12);
  }
});

test('r is min(h1, h2) - min(h1 - i1, h2 - i2) (paper Eq. 5, 6)', () => {
  const one = (v: number) => Float64Array.of(v);
  // h1 < h2 on both components: r = i1.
  let d = decompose({ i1: one(0.3), i2: one(0.9), i12: one(1), h1: one(1), h2: one(2) });
  assert.ok(Math.abs(d.r[0] - 0.3) < 1e-12);
  // r+ from x1, r- from x2: r = h1 - (h2 - i2) = 1 - (2 - 1.5) = 0.5
  d = decompose({ i1: one(0), i2: one(1.5), i12: one(1.5), h1: one(1), h2: one(2) });
  assert.ok(Math.abs(d.r[0] - 0.5) < 1e-12);
  assert.ok(Math.abs(d.u1[0] + 0.5) < 1e-12);
  assert.ok(Math.abs(d.s[0] - 0.5) < 1e-12);
});

test('adjustment: negative R or S first, then negative U; sums preserved', () => {
  assert.equal(adjustmentShift({ R: -0.1, U1: 0.2, U2: 0.3, S: 0.05 }), 0.1);
  assert.equal(adjustmentShift({ R: 0.2, U1: 0.1, U2: 0.1, S: -0.3 }), 0.3);
  assert.equal(adjustmentShift({ R: 0.39, U1: -0.17, U2: -0.15, S: 0.52 }), -0.17);
  assert.equal(adjustmentShift({ R: 0.1, U1: 0.1, U2: 0.1, S: 0.1 }), 0);
  const m = { R: 0.39, U1: -0.17, U2: -0.17, S: 0.52 };
  const a = shiftMeans(m, adjustmentShift(m));
  assert.ok(Math.abs(a.R - 0.22) < 1e-12 && Math.abs(a.U1) < 1e-12 && Math.abs(a.S - 0.35) < 1e-12);
  assert.ok(Math.abs(a.R + a.U1 - (m.R + m.U1)) < 1e-12);
  assert.ok(Math.abs(a.R + a.U1 + a.U2 + a.S - (m.R + m.U1 + m.U2 + m.S)) < 1e-12);
  // The per-sample shift averages to the shifted means.
  const parts = decompose(randomPointwise(1000, 2));
  const raw = means(parts);
  const s = adjustmentShift(raw);
  const adj = means(shiftParts(parts, s));
  const expect = shiftMeans(raw, s);
  for (const k of ['R', 'U1', 'U2', 'S'] as const) assert.ok(Math.abs(adj[k] - expect[k]) < 1e-12);
});

test('class means and masks', () => {
  const parts = {
    r: Float64Array.of(1, 2, 3, 4),
    u1: Float64Array.of(0, 0, 0, 0),
    u2: Float64Array.of(1, 1, 1, 1),
    s: Float64Array.of(4, 3, 2, 1),
  };
  const y = Int32Array.of(0, 1, 0, 1);
  const c = classMeans(parts, y, 3);
  assert.equal(c.length, 2); // class 2 has no samples
  assert.deepEqual([c[0].n, c[0].R, c[0].S], [2, 2, 3]);
  assert.deepEqual([c[1].n, c[1].R, c[1].S], [2, 3, 2]);
  const masked = means(parts, Uint8Array.of(1, 0, 0, 0));
  assert.equal(masked.R, 1);
});

test('label prior is the empirical frequency, not uniform', () => {
  const y = Int32Array.of(0, 1, 1, 1);
  const { prior, hy } = labelPrior(y, 2);
  assert.deepEqual(Array.from(prior), [0.25, 0.75]);
  assert.ok(Math.abs(hy[0] - Math.log(4)) < 1e-12);
  assert.ok(Math.abs(hy[1] - Math.log(4 / 3)) < 1e-12);
});
