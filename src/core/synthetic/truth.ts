import { Means, adjustmentShift, decompose, means, shiftMeans } from '../decompose';
import { Rng } from '../rng';
import { MixtureModel, Sample, exactPointwise, sampleMixture } from './mixture';

export interface Truth {
  /** adjusted, as LSMI reports */
  dataset: Means;
  raw: Means;
  /** I(X1;Y), I(X2;Y), I(X1,X2;Y) */
  info: { I1: number; I2: number; I12: number };
  n: number;
}

/**
 * LSMI with the exact densities, by Monte Carlo over `n` fresh samples. `offset1/2` are added
 * to h(x1), h(x2): an estimator that fits entropies after an invertible affine map z = W x
 * measures h(z) = h(x) + log|det W|, and its truth is this one with offset = log|det W|.
 */
export function exactTruth(
  model: MixtureModel,
  opts: { n?: number; seed?: number; offset1?: number; offset2?: number } = {},
): Truth {
  const n = opts.n ?? 200_000;
  const s = sampleMixture(model, n, new Rng(opts.seed ?? 987654321));
  return truthOnSample(model, s, opts.offset1 ?? 0, opts.offset2 ?? 0);
}

export function truthOnSample(model: MixtureModel, s: Sample, offset1 = 0, offset2 = 0): Truth {
  const e = exactPointwise(model, s);
  const n = s.n;
  // The exact values use the population prior (the estimator uses the empirical one).
  const comps = model.components;
  const total = comps.reduce((a, c) => a + c.weight, 0);
  const prior = new Float64Array(model.classes);
  for (const c of comps) prior[c.label] += c.weight / total;
  const hy = Float64Array.from(s.y, (c) => -Math.log(prior[c]));
  const i1 = new Float64Array(n),
    i2 = new Float64Array(n),
    i12 = new Float64Array(n);
  const h1 = new Float64Array(n),
    h2 = new Float64Array(n);
  let I1 = 0,
    I2 = 0,
    I12 = 0;
  for (let k = 0; k < n; k++) {
    i1[k] = e.logPost1[k] + hy[k];
    i2[k] = e.logPost2[k] + hy[k];
    i12[k] = e.logPost12[k] + hy[k];
    h1[k] = -e.logp1[k] + offset1;
    h2[k] = -e.logp2[k] + offset2;
    I1 += i1[k];
    I2 += i2[k];
    I12 += i12[k];
  }
  const raw = means(decompose({ i1, i2, i12, h1, h2 }));
  return { dataset: shiftMeans(raw, adjustmentShift(raw)), raw, info: { I1: I1 / n, I2: I2 / n, I12: I12 / n }, n };
}
