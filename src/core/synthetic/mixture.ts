import { Rng } from '../rng';

/**
 * A finite mixture whose densities are known exactly: component c has prior `weight`,
 * a label, and per-dimension Gaussians for x1 and x2 (means, variances) with a per-dimension
 * correlation `rho` between x1 and x2 given c. Every synthetic set is one of these (in latent
 * coordinates), optionally rotated into a higher-dimensional space by an orthogonal matrix.
 */
export interface Component {
  weight: number;
  label: number;
  mean1: number[];
  var1: number[];
  mean2: number[];
  var2: number[];
  /** correlation of x1[d] and x2[d] given the component (0 when dimensions differ). */
  rho: number;
}

export interface MixtureModel {
  classes: number;
  components: Component[];
  /** Optional orthogonal maps (row-major D x D) applied to each modality: x = Q z. */
  rotate1?: Float64Array;
  rotate2?: Float64Array;
}

export interface Sample {
  n: number;
  d1: number;
  d2: number;
  x1: Float64Array;
  x2: Float64Array;
  y: Int32Array;
}

export function sampleMixture(model: MixtureModel, n: number, rng: Rng): Sample {
  const comps = model.components;
  const total = comps.reduce((a, c) => a + c.weight, 0);
  const cdf: number[] = [];
  let acc = 0;
  for (const c of comps) cdf.push((acc += c.weight / total));
  const d1 = comps[0].mean1.length,
    d2 = comps[0].mean2.length;
  const x1 = new Float64Array(n * d1),
    x2 = new Float64Array(n * d2),
    y = new Int32Array(n);
  const z1 = new Float64Array(d1),
    z2 = new Float64Array(d2);
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    let k = 0;
    while (k < cdf.length - 1 && u >= cdf[k]) k++;
    const c = comps[k];
    y[i] = c.label;
    for (let d = 0; d < d1; d++) z1[d] = rng.normal();
    for (let d = 0; d < d2; d++) {
      const e = rng.normal();
      z2[d] = d < d1 && c.rho !== 0 ? c.rho * z1[d] + Math.sqrt(1 - c.rho * c.rho) * e : e;
    }
    for (let d = 0; d < d1; d++) z1[d] = c.mean1[d] + Math.sqrt(c.var1[d]) * z1[d];
    for (let d = 0; d < d2; d++) z2[d] = c.mean2[d] + Math.sqrt(c.var2[d]) * z2[d];
    rotateInto(model.rotate1, z1, x1, i * d1);
    rotateInto(model.rotate2, z2, x2, i * d2);
  }
  return { n, d1, d2, x1, x2, y };
}

function rotateInto(q: Float64Array | undefined, z: Float64Array, out: Float64Array, off: number): void {
  const d = z.length;
  if (!q) {
    out.set(z, off);
    return;
  }
  for (let r = 0; r < d; r++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += q[r * d + c] * z[c];
    out[off + r] = s;
  }
}

function unrotate(
  q: Float64Array | undefined,
  x: Float64Array,
  off: number,
  d: number,
  out: Float64Array,
): Float64Array {
  if (!q) {
    for (let k = 0; k < d; k++) out[k] = x[off + k];
    return out;
  }
  for (let c = 0; c < d; c++) {
    let s = 0;
    for (let r = 0; r < d; r++) s += q[r * d + c] * x[off + r];
    out[c] = s;
  }
  return out;
}

const LOG2PI = Math.log(2 * Math.PI);

function logSumExp(v: number[]): number {
  let m = -Infinity;
  for (const x of v) if (x > m) m = x;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (const x of v) s += Math.exp(x - m);
  return m + Math.log(s);
}

/** Exact pointwise quantities for each sample: log p(x1), log p(x2), and log p(y|x1), log p(y|x2), log p(y|x1,x2). */
export interface ExactPointwise {
  logp1: Float64Array;
  logp2: Float64Array;
  logPost1: Float64Array;
  logPost2: Float64Array;
  logPost12: Float64Array;
}

export function exactPointwise(model: MixtureModel, s: Sample): ExactPointwise {
  const comps = model.components;
  const total = comps.reduce((a, c) => a + c.weight, 0);
  const logw = comps.map((c) => Math.log(c.weight / total));
  const { n, d1, d2 } = s;
  const out: ExactPointwise = {
    logp1: new Float64Array(n),
    logp2: new Float64Array(n),
    logPost1: new Float64Array(n),
    logPost2: new Float64Array(n),
    logPost12: new Float64Array(n),
  };
  const z1 = new Float64Array(d1),
    z2 = new Float64Array(d2);
  const l1 = new Array<number>(comps.length),
    l2 = new Array<number>(comps.length),
    l12 = new Array<number>(comps.length);
  for (let i = 0; i < n; i++) {
    unrotate(model.rotate1, s.x1, i * d1, d1, z1);
    unrotate(model.rotate2, s.x2, i * d2, d2, z2);
    for (let k = 0; k < comps.length; k++) {
      const c = comps[k];
      let a = 0,
        b = 0,
        j = 0;
      for (let d = 0; d < d1; d++) {
        const e = (z1[d] - c.mean1[d]) / Math.sqrt(c.var1[d]);
        a += -0.5 * (LOG2PI + Math.log(c.var1[d]) + e * e);
      }
      for (let d = 0; d < d2; d++) {
        const e = (z2[d] - c.mean2[d]) / Math.sqrt(c.var2[d]);
        b += -0.5 * (LOG2PI + Math.log(c.var2[d]) + e * e);
      }
      if (c.rho === 0) j = a + b;
      else {
        // Per dimension a bivariate normal with correlation rho; extra dims of x2 are independent.
        const q = 1 - c.rho * c.rho;
        for (let d = 0; d < d2; d++) {
          const e2 = (z2[d] - c.mean2[d]) / Math.sqrt(c.var2[d]);
          if (d < d1) {
            const e1 = (z1[d] - c.mean1[d]) / Math.sqrt(c.var1[d]);
            j +=
              -LOG2PI - 0.5 * Math.log(c.var1[d] * c.var2[d] * q) - (e1 * e1 - 2 * c.rho * e1 * e2 + e2 * e2) / (2 * q);
          } else j += -0.5 * (LOG2PI + Math.log(c.var2[d]) + e2 * e2);
        }
      }
      l1[k] = logw[k] + a;
      l2[k] = logw[k] + b;
      l12[k] = logw[k] + j;
    }
    const yi = s.y[i];
    const mine = (v: number[]) => v.filter((_, k) => comps[k].label === yi);
    out.logp1[i] = logSumExp(l1);
    out.logp2[i] = logSumExp(l2);
    out.logPost1[i] = logSumExp(mine(l1)) - out.logp1[i];
    out.logPost2[i] = logSumExp(mine(l2)) - out.logp2[i];
    out.logPost12[i] = logSumExp(mine(l12)) - logSumExp(l12);
  }
  return out;
}

/** A random orthogonal matrix (Gram-Schmidt on Gaussian columns), row-major. */
export function randomOrthogonal(d: number, rng: Rng): Float64Array {
  const q = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    const v = new Float64Array(d);
    for (let r = 0; r < d; r++) v[r] = rng.normal();
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let r = 0; r < d; r++) dot += v[r] * q[r * d + p];
      for (let r = 0; r < d; r++) v[r] -= dot * q[r * d + p];
    }
    let norm = 0;
    for (let r = 0; r < d; r++) norm += v[r] * v[r];
    norm = Math.sqrt(norm);
    for (let r = 0; r < d; r++) q[r * d + c] = v[r] / norm;
  }
  return q;
}
