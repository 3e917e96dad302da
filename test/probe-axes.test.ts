import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend, BackendInfo } from '../src/core/backend';
import { analyze } from '../src/core/estimator';
import { fitSpace, onProbeAxes } from '../src/core/space';
import { Rng } from '../src/core/rng';
import { toDump } from '../src/io/dump';
import type { HostTensor } from '../src/io/tensor';

let backend: BackendInfo;
before(async () => {
  backend = await initBackend('auto');
});

/** n rows in d dims: a rank-r signal with column scales 3..1, plus small noise on every column. */
function lowRank(n: number, d: number, r: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const map = Float64Array.from({ length: r * d }, () => rng.normal());
  const x = new Float32Array(n * d);
  const z = new Float64Array(r);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < r; j++) z[j] = rng.normal() * (3 - (2 * j) / r);
    for (let c = 0; c < d; c++) {
      let s = 0.05 * rng.normal();
      for (let j = 0; j < r; j++) s += z[j] * map[j * d + c];
      x[i * d + c] = s;
    }
  }
  return x;
}

test('above probeDim columns the probes get the top principal axes, at a mean variance of 1', () => {
  const [n, d, r, P] = [2000, 96, 6, 16];
  const x = lowRank(n, d, r, 1);
  const space = fitSpace(x, n, d, 8, 0, undefined, P);
  assert.ok(space.probe, 'probe axes made');
  assert.equal(space.probe.p, P);
  // The signal has rank 6: 16 axes keep nearly all of the z-scored variance.
  assert.ok(space.probe.explained > 0.99 && space.probe.explained <= 1 + 1e-6, `explained ${space.probe.explained}`);
  // Coordinates of the z-scores: mean variance over the p axes is 1, variances fall along the axes.
  const zs = fitSpace(x, n, d, 8, 0).mean; // column means, to z-score by hand
  const std = space.std;
  const z = Float32Array.from(x, (v, i) => (v - zs[i % d]) / std[i % d]);
  const c = onProbeAxes((a, count) => z.subarray(a * d, (a + count) * d), n, d, space.probe);
  const variances = Array.from({ length: P }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += c[i * P + j] ** 2;
    return s / n;
  });
  const mean = variances.reduce((a, b) => a + b, 0) / P;
  assert.ok(Math.abs(mean - 1) < 0.02, `mean variance ${mean}`);
  assert.ok(variances[0] > variances[r], `first axis ${variances[0]} vs axis ${r + 1} ${variances[r]}`);
  // At or below probeDim columns there are none: the probes see the z-scores themselves.
  assert.equal(fitSpace(x, n, d, 8, 0, undefined, d).probe, undefined);
  assert.equal(fitSpace(x, n, d, 8, 0, undefined, 0).probe, undefined);
});

test('the analysis reports the probe axes and what they keep; probeDim 0 uses every column', async () => {
  const [n, d] = [1500, 80];
  const rng = new Rng(3);
  const y = Int32Array.from({ length: n }, () => rng.int(3));
  const modality = (seed: number): HostTensor => {
    const x = lowRank(n, d, 4, seed);
    for (let i = 0; i < n; i++) x[i * d] += 2 * y[i];
    return { dtype: 'f32', shape: [n, d], data: x };
  };
  const tensors = new Map<string, HostTensor>([
    ['x1', modality(5)],
    ['x2', modality(6)],
    ['y', { dtype: 'i32', shape: [n], data: y }],
  ]);
  const dump = toDump('mem', { tensors, metadata: {} });
  const r = await analyze(dump, { seed: 0, folds: 2, probeDim: 32 }, backend);
  for (const s of r.entropySpace) {
    assert.equal(s.probeAxes, 32);
    assert.ok(s.probeExplained! > 0.5 && s.probeExplained! <= 1, `${s.probeExplained}`);
  }
  const all = await analyze(dump, { seed: 0, folds: 2, probeDim: 0 }, backend);
  for (const s of all.entropySpace) assert.equal(s.probeAxes, undefined);
  // The label sits on one column's scale, which the top axes keep: both probes find it.
  for (const [a, b] of r.probes.map((p, i) => [p, all.probes[i]] as const))
    assert.ok(Math.abs(a.accuracy - b.accuracy) < 0.05, `${a.modality}: ${a.accuracy} vs ${b.accuracy}`);
});
