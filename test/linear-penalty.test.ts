import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend } from '../src/core/backend';
import { linearLogProbs, trainLinear } from '../src/core/logistic';
import { lbfgs } from '../src/core/lbfgs';
import { Rng } from '../src/core/rng';
import { sideBySide } from '../src/core/rows';
import { axisPenalty, scaleModality } from '../src/core/space';

before(async () => {
  await initBackend('auto');
});

/**
 * Features as a trained model's look: K Gaussian classes in `latent` dims seen through a fixed
 * random map into d dims, plus a little isotropic noise. The class signal lies on the top
 * principal axes; the Bayes posterior is linear.
 */
function clusters(n: number, d: number, K: number, seed: number, latent = 6) {
  const rng = new Rng(seed);
  const centres = Array.from({ length: K }, () => Float64Array.from({ length: latent }, () => 1.2 * rng.normal()));
  const map = Float64Array.from({ length: latent * d }, () => rng.normal() / Math.sqrt(latent));
  const y = Int32Array.from({ length: n }, () => rng.int(K));
  const x = new Float32Array(n * d);
  const z = new Float64Array(latent);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < latent; j++) z[j] = centres[y[i]][j] + rng.normal();
    for (let c = 0; c < d; c++) {
      let v = 0.3 * rng.normal();
      for (let j = 0; j < latent; j++) v += z[j] * map[j * d + c];
      x[i * d + c] = v;
    }
  }
  return { x, y };
}

const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);

function heldOutCe(lp: Float32Array, y: Int32Array, rows: Int32Array, K: number): number {
  let s = 0;
  rows.forEach((r, i) => (s -= lp[i * K + y[r]]));
  return s / rows.length;
}

const [n, d, K] = [5_000, 24, 10];
const [fit, val, held] = [range(0, 3_600), range(3_600, 4_000), range(4_000, n)];

function scaled(seed: number, dim = d, latent = 6) {
  const { x, y } = clusters(n, dim, K, seed, latent);
  const s = scaleModality(x, n, dim, 32, seed, 64);
  return { y, space: s.space, u: { data: s.zEntropy, dim: s.space.k } };
}

test('axis penalty: the inverse variances of the principal coordinates, scaled to mean variance 1', () => {
  const { space } = scaled(1);
  const w = axisPenalty(space);
  assert.equal(w.length, space.k);
  assert.equal(space.k, d); // every axis kept: the principal coordinates are the z-scores rotated
  // The coordinates' variances 1 / w average to 1 ...
  const variances = Array.from(w, (v) => 1 / v);
  assert.ok(Math.abs(variances.reduce((a, v) => a + v, 0) / d - 1) < 1e-9);
  // ... and keep the axes' relative variances: the class signal's axes are penalised least.
  for (let j = 1; j < d; j++) assert.ok(w[j] >= w[j - 1] * (1 - 1e-9), `axis ${j}: ${w[j]} < ${w[j - 1]}`);
  assert.ok(w[d - 1] / w[0] > 20, `a penalty spread of ${w[d - 1] / w[0]}: signal and noise axes alike`);
});

test('linear probe: a weighted penalty on whitened coordinates is the isotropic fit on principal coordinates', () => {
  const { y, space, u } = scaled(2);
  const w = axisPenalty(space);
  // The principal coordinates themselves: each whitened axis times its standard deviation.
  const p = Float32Array.from(u.data, (v, i) => v / Math.sqrt(w[i % u.dim]));
  const weighted = trainLinear(sideBySide(u), y, K, fit, val, { penalty: w, tol: 1e-6, maxIter: 1000 });
  const principal = trainLinear(sideBySide({ data: p, dim: u.dim }), y, K, fit, val, { tol: 1e-6, maxIter: 1000 });
  assert.equal(weighted.lambda, principal.lambda);
  assert.ok(Math.abs(weighted.valLoss - principal.valLoss) < 2e-4, `${weighted.valLoss} vs ${principal.valLoss}`);
  assert.ok(Math.abs(weighted.excess - principal.excess) < 2e-4, `excess ${weighted.excess} vs ${principal.excess}`);
  const a = linearLogProbs(weighted, sideBySide(u), held);
  const b = linearLogProbs(principal, sideBySide({ data: p, dim: u.dim }), held);
  let worst = 0,
    mean = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    mean += Math.abs(a[i] - b[i]) / a.length;
  }
  // The same optimum, reached to the L-BFGS tolerance from two parametrisations.
  assert.ok(mean < 1e-3 && worst < 0.02, `held-out log p differs by ${mean} on average, up to ${worst}`);
});

test('linear probe: on features whose classes sit on the top axes, the weighted penalty fits them better', () => {
  // 10 classes in 16 latent dims seen in 64 (the entropy space keeps 32 axes). Measured over 5
  // seeds each on 8 such settings (4 to 128 dims, 6 to 16 latent, 10 classes): the weighted
  // fit's held-out loss was lower in 40 of 40, by 1 to 41 % (22 % here).
  for (const seed of [3, 4]) {
    const { y, space, u } = scaled(seed, 64, 16);
    const x = sideBySide(u);
    const plain = trainLinear(x, y, K, fit, val);
    const weighted = trainLinear(x, y, K, fit, val, { penalty: axisPenalty(space) });
    const [cePlain, ceWeighted] = [plain, weighted].map((m) => heldOutCe(linearLogProbs(m, x, held), y, held, K));
    // Isotropic L2 on whitened coordinates shrinks the class signal as much as the noise.
    assert.ok(ceWeighted < 0.9 * cePlain, `seed ${seed}: held-out ${ceWeighted} vs ${cePlain} unweighted`);
  }
});

test('L-BFGS: a Hessian diagonal estimate preconditions a stiff problem', () => {
  // f = sum_i h_i (theta_i - 1)^2 / 2 with curvatures spanning 1 to 1e4.
  const p = 200;
  const h = Float64Array.from({ length: p }, (_, i) => 10 ** ((4 * i) / (p - 1)));
  const objective = (diagonal: boolean) => ({
    eval(theta: Float64Array, _lambda: number, g: Float64Array): number {
      let f = 0;
      for (let i = 0; i < p; i++) {
        f += (h[i] * (theta[i] - 1) ** 2) / 2;
        g[i] = h[i] * (theta[i] - 1);
      }
      return f;
    },
    ...(diagonal ? { diagonal: () => h } : {}),
  });
  const opts = { maxIter: 500, tol: 1e-8, memory: 10 };
  const [plain, pre] = [false, true].map((withDiagonal) => {
    const theta = new Float64Array(p);
    const iterations = lbfgs(objective(withDiagonal), theta, 0, opts);
    return { iterations, error: Math.max(...Array.from(theta, (v) => Math.abs(v - 1))) };
  });
  assert.ok(pre.error < 1e-6, `preconditioned: off by ${pre.error}`);
  assert.ok(pre.iterations <= 3, `preconditioned: ${pre.iterations} iterations`);
  assert.ok(plain.iterations > 5 * pre.iterations, `${plain.iterations} iterations without vs ${pre.iterations}`);
});
