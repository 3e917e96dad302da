import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { syntheticSet } from '../src/core/synthetic/sets';
import { exactTruth } from '../src/core/synthetic/truth';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { Rng } from '../src/core/rng';
import { PopulationTruth } from '../bench/accuracy';

const near = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a.toFixed(4)} vs ${b.toFixed(4)}`);
const entropy = (p: number[]) => -p.reduce((a, q) => a + (q > 0 ? q * Math.log(q) : 0), 0);

test('balanced sets are unchanged: every weight 1 without pA, pB or priors', () => {
  for (const name of ['xor', 'or', 'and', 'not', 'xor+not', 'gaussian']) {
    const set = syntheticSet(name, name === 'gaussian' ? { classes: 3 } : {});
    assert.ok(
      set.model.components.every((c) => c.weight === 1),
      name,
    );
    assert.doesNotMatch(set.description, /P\(a=1\)|priors/);
  }
});

test('pA, pB weight the input bits; the labels follow', () => {
  const set = syntheticSet('or', { pA: 0.8, pB: 0.6 });
  const w = set.model.components.map((c) => c.weight);
  // components in order (a, b) = 00, 01, 10, 11
  [0.2 * 0.4, 0.2 * 0.6, 0.8 * 0.4, 0.8 * 0.6].forEach((v, i) => near(w[i], v, 1e-12, `weight ${i}`));
  const s = sampleMixture(set.model, 50_000, new Rng(3));
  const p0 = s.y.reduce((a, y) => a + (y === 0 ? 1 : 0), 0) / s.n;
  near(p0, 0.08, 0.005, 'P(y = 0)');
  assert.match(set.description, /P\(a=1\) 0.8, P\(b=1\) 0.6/);
  // Only pA given: b stays balanced.
  const x = syntheticSet('xor+not', { pA: 0.8 });
  assert.equal(x.model.components.length, 8);
  near(x.model.components[0].weight, 0.2 * 0.5, 1e-12, 'xor+not weight');
});

test('imbalanced gates have exact truth: the informations of the bits', () => {
  const or = exactTruth(syntheticSet('or', { pA: 0.8, pB: 0.8 }).model, { n: 60_000 });
  near(or.info.I12, entropy([0.04, 0.96]), 0.01, 'OR I12');
  // y = a xor b with b balanced is independent of a; given b it is a or not a, so I2 = log 2 - H(a).
  const xor = exactTruth(syntheticSet('xor', { pA: 0.8 }).model, { n: 60_000 });
  near(xor.info.I1, 0, 0.005, 'XOR I1');
  near(xor.info.I2, Math.log(2) - entropy([0.2, 0.8]), 0.01, 'XOR I2');
  near(xor.info.I12, Math.log(2), 0.01, 'XOR I12');
  // With both imbalanced the label is imbalanced: P(y = 1) = 0.8 * 0.3 + 0.2 * 0.7.
  const both = exactTruth(syntheticSet('xor', { pA: 0.8, pB: 0.7 }).model, { n: 60_000 });
  near(both.info.I12, entropy([0.38, 0.62]), 0.01, 'XOR imbalanced I12');
});

test('gaussian priors weight the classes', () => {
  const set = syntheticSet('gaussian', { classes: 4, priors: [0.55, 0.25, 0.15, 0.05] });
  const s = sampleMixture(set.model, 40_000, new Rng(5));
  const freq = [0, 0, 0, 0];
  for (const y of s.y) freq[y] += 1 / s.n;
  [0.55, 0.25, 0.15, 0.05].forEach((p, k) => near(freq[k], p, 0.01, `class ${k}`));
  assert.match(set.description, /priors 0.55\/0.25\/0.15\/0.05/);
});

test('bad imbalance options are refused', () => {
  assert.throws(() => syntheticSet('or', { pA: 1 }), /pA must be in \(0, 1\)/);
  assert.throws(() => syntheticSet('xor', { pB: 0 }), /pB must be in \(0, 1\)/);
  assert.throws(() => syntheticSet('gaussian', { classes: 3, priors: [1, 1] }), /priors must be 3 positive weights/);
  assert.throws(() => syntheticSet('gaussian', { classes: 2, priors: [1, -1] }), /priors/);
});

test("the benchmark's truth equals exactTruth at any offsets", () => {
  const set = syntheticSet('gaussian', { classes: 2, noise: 0.5, rho: 0.5 });
  // 60,000 samples: more than one of the chunks it samples in.
  const pop = new PopulationTruth(set, 60_000);
  for (const [o1, o2] of [
    [0, 0],
    [1.3, 1.1],
    [-0.4, 0.7],
  ]) {
    const a = pop.at(o1, o2),
      b = exactTruth(set.model, { n: 60_000, offset1: o1, offset2: o2 });
    for (const k of ['R', 'U1', 'U2', 'S'] as const) {
      near(a.dataset[k], b.dataset[k], 1e-9, k);
      assert.ok(a.se[k] > 0 && a.se[k] < 0.02, `${k} s.e. ${a.se[k]}`);
    }
  }
});
