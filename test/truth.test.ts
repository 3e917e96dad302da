import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { syntheticSet } from '../src/core/synthetic/sets';
import { exactTruth } from '../src/core/synthetic/truth';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { Rng } from '../src/core/rng';

const near = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a.toFixed(4)} vs ${b.toFixed(4)}`);
const N = 60_000;

// Known values come from information theory, not from our code: the BROJA PID of the gates
// (Bertschinger et al. 2014) and the entropies of the label.
test('XOR: all information is synergy, log 2', () => {
  const t = exactTruth(syntheticSet('xor').model, { n: N });
  near(t.info.I12, Math.log(2), 0.005, 'I12');
  near(t.dataset.S, Math.log(2), 0.01, 'S');
  for (const k of ['R', 'U1', 'U2'] as const) near(t.dataset[k], 0, 0.01, k);
});

test('OR: adjusted LSMI with exact densities reproduces BROJA (R 0.216, U 0, S 0.347)', () => {
  const t = exactTruth(syntheticSet('or').model, { n: N });
  // H(Y) for p = 3/4 is I(X1,X2;Y) when the bits are recovered exactly.
  const hy = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
  near(t.info.I12, hy, 0.01, 'I12');
  near(t.dataset.R, 0.216, 0.01, 'R');
  near(t.dataset.S, 0.347, 0.01, 'S');
  near(t.dataset.U1, 0, 0.01, 'U1');
  near(t.dataset.U2, 0, 0.01, 'U2');
  assert.ok(t.raw.U1 < -0.05, 'raw U1 is negative before the adjustment');
});

test('XOR+NOT is the mean of its two gates', () => {
  const x = exactTruth(syntheticSet('xor').model, { n: N }).dataset;
  const nt = exactTruth(syntheticSet('not').model, { n: N }).dataset;
  const m = exactTruth(syntheticSet('xor+not').model, { n: N }).dataset;
  for (const k of ['R', 'U1', 'U2', 'S'] as const) near(m[k], (x[k] + nt[k]) / 2, 0.01, k);
  near(m.U2, 0.347, 0.01, 'U2');
  near(m.S, 0.347, 0.01, 'S');
});

test('reference Gaussian generator (K=2, noise 0.5, rho 0.5): about R 0.500, U 0, S 0.063', () => {
  const t = exactTruth(syntheticSet('gaussian').model, { n: N });
  near(t.dataset.R, 0.5, 0.015, 'R');
  near(t.dataset.S, 0.063, 0.015, 'S');
  near(Math.max(t.dataset.U1, t.dataset.U2), 0, 0.015, 'U');
});

test('preset interactions put the information where the preset says', () => {
  const r = exactTruth(syntheticSet('preset:R').model, { n: 30_000 }).dataset;
  near(r.R, Math.log(2), 0.02, 'R of preset:R');
  const u = exactTruth(syntheticSet('preset:U').model, { n: 30_000 }).dataset;
  near(u.U1, Math.log(2), 0.02, 'U1 of preset:U');
  near(u.U2, 0, 0.02, 'U2 of preset:U');
  const s = exactTruth(syntheticSet('preset:S').model, { n: 30_000 }).dataset;
  near(s.S, Math.log(2), 0.02, 'S of preset:S');
  const mix = exactTruth(syntheticSet('preset:1/4U+3/4S').model, { n: 30_000 }).dataset;
  near(mix.U1, 0.25 * Math.log(2), 0.03, 'U1 of the mix');
  near(mix.S, 0.75 * Math.log(2), 0.03, 'S of the mix');
});

test('an entropy offset equal for both modalities leaves the truth unchanged', () => {
  const model = syntheticSet('or').model;
  const a = exactTruth(model, { n: 20_000 }).dataset;
  const b = exactTruth(model, { n: 20_000, offset1: 3.2, offset2: 3.2 }).dataset;
  for (const k of ['R', 'U1', 'U2', 'S'] as const) near(a[k], b[k], 1e-9, k);
});

test('samples are reproducible from the seed and follow the set', () => {
  const set = syntheticSet('or');
  const a = sampleMixture(set.model, 1000, new Rng(5));
  const b = sampleMixture(set.model, 1000, new Rng(5));
  assert.deepEqual(a.x1, b.x1);
  const ones = a.y.reduce((s, v) => s + v, 0) / 1000;
  near(ones, 0.75, 0.05, 'P(y=1) under OR');
  assert.throws(() => syntheticSet('nand'), /unknown synthetic set/);
  assert.throws(() => syntheticSet('preset:2X'), /cannot parse/);
});
