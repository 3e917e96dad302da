import { Rng } from '../rng';
import { Component, MixtureModel, randomOrthogonal } from './mixture';

export interface SetOptions {
  /** standard deviation of the Gaussian noise added to every feature */
  noise?: number;
  /** feature dimension per modality (gates: copies of the bit; preset: embedding size) */
  dim?: number;
  /** classes (gaussian) */
  classes?: number;
  /** correlation of x1 and x2 given y (gaussian) */
  rho?: number;
  /**
   * P(a = 1) and P(b = 1) of the input bits (gates and xor+not; default 1/2 each):
   * imbalanced inputs, hence imbalanced labels (OR with pA = pB = 0.8 has P(y = 1) = 0.96).
   */
  pA?: number;
  pB?: number;
  /** class priors (gaussian; default uniform): K positive weights, normalised */
  priors?: number[];
}

export interface SyntheticSet {
  name: string;
  description: string;
  model: MixtureModel;
}

const GATES: Record<string, (a: number, b: number) => number> = {
  xor: (a, b) => a ^ b,
  or: (a, b) => a | b,
  and: (a, b) => a & b,
  // NOT of the second input: all label information is unique to x2.
  not: (_a, b) => 1 - b,
};

const rep = (v: number, d: number) => new Array<number>(d).fill(v);

function bitProbability(what: string, p: number | undefined): number {
  if (p === undefined) return 0.5;
  if (!(p > 0 && p < 1)) throw new Error(`${what} must be in (0, 1)`);
  return p;
}

/**
 * Weights of the bits (a, b) and a description suffix; every weight 1 when neither
 * probability is given, so the balanced sets stay exactly as they were.
 */
function bitWeights(o: SetOptions): { weight: (a: number, b: number) => number; text: string } {
  const pA = bitProbability('pA', o.pA),
    pB = bitProbability('pB', o.pB);
  if (o.pA === undefined && o.pB === undefined) return { weight: () => 1, text: '' };
  return { weight: (a, b) => (a ? pA : 1 - pA) * (b ? pB : 1 - pB), text: `, P(a=1) ${pA}, P(b=1) ${pB}` };
}

/** Logic gates: bits a (x1) and b (x2), uniform unless pA/pB, each copied to `dim` features with N(0, noise^2). */
function gate(name: string, o: SetOptions): SyntheticSet {
  const f = GATES[name];
  const noise = o.noise ?? 0.1,
    dim = o.dim ?? 1,
    v = noise * noise;
  const bits = bitWeights(o);
  const components: Component[] = [];
  for (const a of [0, 1])
    for (const b of [0, 1]) {
      components.push({
        weight: bits.weight(a, b),
        label: f(a, b),
        mean1: rep(a, dim),
        var1: rep(v, dim),
        mean2: rep(b, dim),
        var2: rep(v, dim),
        rho: 0,
      });
    }
  return {
    name,
    description: `y = ${name.toUpperCase()}(a, b); x1 = a, x2 = b (+ N(0, ${noise}^2), ${dim} dim${bits.text})`,
    model: { classes: 2, components },
  };
}

/**
 * XOR+NOT (paper Table 1): half the samples follow XOR, half NOT(b). Both modalities carry
 * a noisy copy of the gate indicator, so the gate is known from either modality and the
 * interactions are the mean of the two gates' (0 / 0 / 0.347 / 0.347).
 */
function xorNot(o: SetOptions): SyntheticSet {
  const noise = o.noise ?? 0.1,
    dim = o.dim ?? 1,
    v = noise * noise;
  const bits = bitWeights(o);
  const components: Component[] = [];
  for (const g of [0, 1])
    for (const a of [0, 1])
      for (const b of [0, 1]) {
        const label = g === 0 ? a ^ b : 1 - b;
        components.push({
          weight: bits.weight(a, b),
          label,
          rho: 0,
          mean1: [...rep(a, dim), g],
          var1: rep(v, dim + 1),
          mean2: [...rep(b, dim), g],
          var2: rep(v, dim + 1),
        });
      }
  return {
    name: 'xor+not',
    description: `half XOR, half NOT(b), gate visible in both modalities (+ N(0, ${noise}^2)${bits.text})`,
    model: { classes: 2, components },
  };
}

/** The reference's Gaussian generator: x1 = onehot(y) + u, x2 = onehot(y) + rho u + sqrt(1-rho^2) v. */
function gaussian(o: SetOptions): SyntheticSet {
  const K = o.classes ?? 2,
    noise = o.noise ?? 0.5,
    rho = o.rho ?? 0.5,
    v = noise * noise;
  if (Math.abs(rho) >= 1) throw new Error('gaussian: |rho| must be below 1');
  const priors = o.priors;
  if (priors && (priors.length !== K || !priors.every((p) => p > 0 && Number.isFinite(p)))) {
    throw new Error(`gaussian: priors must be ${K} positive weights`);
  }
  const components: Component[] = [];
  for (let y = 0; y < K; y++) {
    const m = rep(0, K);
    m[y] = 1;
    components.push({
      weight: priors ? priors[y] : 1,
      label: y,
      mean1: m,
      var1: rep(v, K),
      mean2: [...m],
      var2: rep(v, K),
      rho,
    });
  }
  const prior = priors ? `, priors ${priors.join('/')}` : '';
  return {
    name: 'gaussian',
    description: `K=${K} classes, noise ${noise}, rho ${rho}${prior} (reference gaussian_data.py)`,
    model: { classes: K, components },
  };
}

/**
 * Preset interactions (paper Section 4.1.4, Appendix A.1): each sample carries one kind of
 * interaction in its own latent slot (R: both modalities code y; U: x1 codes y, x2 holds
 * unit Gaussian noise; S: x1 codes a random bit b, x2 codes y xor b). Latent slots are coded
 * +-1, padded with noise dimensions and rotated by a fixed random orthogonal map per modality.
 */
function preset(spec: string, o: SetOptions): SyntheticSet {
  const parts = spec
    .split('+')
    .map((p) => p.trim())
    .filter(Boolean);
  const w: Record<string, number> = { R: 0, U: 0, S: 0 };
  for (const p of parts) {
    const m = /^(?:(\d+(?:\.\d+)?)(?:\/(\d+))?)?\s*([RUS])$/i.exec(p);
    if (!m) throw new Error(`preset: cannot parse '${p}' (use e.g. preset:R, preset:0.25U+0.75S, preset:1/4U+3/4R)`);
    const frac = m[1] === undefined ? 1 : Number(m[1]) / (m[2] ? Number(m[2]) : 1);
    w[m[3].toUpperCase()] += frac;
  }
  const total = w.R + w.U + w.S;
  if (!(total > 0)) throw new Error('preset: weights must be positive');
  const noise = o.noise ?? 0.25,
    v = noise * noise,
    D = Math.max(3, o.dim ?? 8);
  const sgn = (bit: number) => 2 * bit - 1;
  const base = () => ({ m1: rep(0, D), v1: rep(v, D), m2: rep(0, D), v2: rep(v, D) });
  const components: Component[] = [];
  const push = (weight: number, label: number, c: ReturnType<typeof base>) => {
    if (weight > 0) components.push({ weight, label, mean1: c.m1, var1: c.v1, mean2: c.m2, var2: c.v2, rho: 0 });
  };
  for (const y of [0, 1]) {
    const r = base();
    r.m1[0] = sgn(y);
    r.m2[0] = sgn(y);
    push(w.R / total / 2, y, r);
    const u = base();
    u.m1[1] = sgn(y);
    u.v2[1] = 1 + v;
    push(w.U / total / 2, y, u);
    for (const b of [0, 1]) {
      const s = base();
      s.m1[2] = sgn(b);
      s.m2[2] = sgn(y ^ b);
      push(w.S / total / 4, y, s);
    }
  }
  const rng = new Rng(0x5eed + D); // the embedding is part of the set's definition, not of the sample
  const name = `preset:${parts.join('+')}`;
  return {
    name,
    description: `preset interactions ${parts.join(' + ')} in ${D} dims (noise ${noise})`,
    model: { classes: 2, components, rotate1: randomOrthogonal(D, rng), rotate2: randomOrthogonal(D, rng) },
  };
}

export const SET_NAMES = ['xor', 'or', 'and', 'not', 'xor+not', 'gaussian', 'preset:<mix>'];

export function syntheticSet(name: string, o: SetOptions = {}): SyntheticSet {
  const key = name.toLowerCase();
  if (key in GATES) return gate(key, o);
  if (key === 'xor+not') return xorNot(o);
  if (key === 'gaussian') return gaussian(o);
  if (key.startsWith('preset:')) return preset(name.slice(7), o);
  throw new Error(`unknown synthetic set '${name}' (known: ${SET_NAMES.join(', ')})`);
}
