/**
 * The LSMI decomposition (paper Eq. 2, 5, 6) and the reference's adjustment of the means.
 * Pure functions over per-sample arrays; all values in nats.
 */

export interface Pointwise {
  /** i(x1;y), i(x2;y), i(x1,x2;y) */
  i1: Float64Array;
  i2: Float64Array;
  i12: Float64Array;
  /** h(x1), h(x2) */
  h1: Float64Array;
  h2: Float64Array;
}

export interface Parts {
  r: Float64Array;
  u1: Float64Array;
  u2: Float64Array;
  s: Float64Array;
}

export interface Means {
  R: number;
  U1: number;
  U2: number;
  S: number;
}

export function decompose(p: Pointwise): Parts {
  const n = p.i1.length;
  const r = new Float64Array(n),
    u1 = new Float64Array(n),
    u2 = new Float64Array(n),
    s = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const rPlus = Math.min(p.h1[k], p.h2[k]);
    const rMinus = Math.min(p.h1[k] - p.i1[k], p.h2[k] - p.i2[k]);
    r[k] = rPlus - rMinus;
    u1[k] = p.i1[k] - r[k];
    u2[k] = p.i2[k] - r[k];
    // Written so that r + u1 + u2 + s reproduces i12 to rounding.
    s[k] = p.i12[k] - r[k] - u1[k] - u2[k];
  }
  return { r, u1, u2, s };
}

/** Means over the samples where `mask` is 1 (all samples when no mask). */
export function means(parts: Parts, mask?: Uint8Array): Means {
  const n = parts.r.length;
  let R = 0,
    U1 = 0,
    U2 = 0,
    S = 0,
    c = 0;
  for (let k = 0; k < n; k++) {
    if (mask && !mask[k]) continue;
    R += parts.r[k];
    U1 += parts.u1[k];
    U2 += parts.u2[k];
    S += parts.s[k];
    c++;
  }
  return c ? { R: R / c, U1: U1 / c, U2: U2 / c, S: S / c } : { R: NaN, U1: NaN, U2: NaN, S: NaN };
}

/**
 * The reference's shift `a` (method.md): it keeps R+U1, R+U2 and R+U1+U2+S and moves
 * negative R or S (first) or negative U1/U2 (second) to zero.
 */
export function adjustmentShift(m: Means): number {
  if (m.R < 0 || m.S < 0) return -Math.min(m.R, m.S);
  if (m.U1 < 0 || m.U2 < 0) return Math.min(m.U1, m.U2);
  return 0;
}

export function shiftMeans(m: Means, a: number): Means {
  return { R: m.R + a, U1: m.U1 - a, U2: m.U2 - a, S: m.S + a };
}

/** The same shift applied to every sample, so per-sample values average to the adjusted means. */
export function shiftParts(p: Parts, a: number): Parts {
  const add = (v: Float64Array, d: number) => v.map((x) => x + d);
  return { r: add(p.r, a), u1: add(p.u1, -a), u2: add(p.u2, -a), s: add(p.s, a) };
}

export interface ClassMeans extends Means {
  class: number;
  n: number;
}

/** Mean of each interaction over the samples of each class (paper Table 3). */
export function classMeans(parts: Parts, y: Int32Array, classes: number, mask?: Uint8Array): ClassMeans[] {
  const acc = Array.from({ length: classes }, (_, c) => ({ class: c, n: 0, R: 0, U1: 0, U2: 0, S: 0 }));
  for (let k = 0; k < y.length; k++) {
    if (mask && !mask[k]) continue;
    const a = acc[y[k]];
    a.n++;
    a.R += parts.r[k];
    a.U1 += parts.u1[k];
    a.U2 += parts.u2[k];
    a.S += parts.s[k];
  }
  return acc.filter((a) => a.n > 0).map((a) => ({ ...a, R: a.R / a.n, U1: a.U1 / a.n, U2: a.U2 / a.n, S: a.S / a.n }));
}

/** Empirical class frequencies and per-sample label surprisal h(y) = -log p(y). */
export function labelPrior(
  y: Int32Array,
  classes: number,
  mask?: Uint8Array,
): { prior: Float64Array; hy: Float64Array } {
  const counts = new Float64Array(classes);
  let n = 0;
  for (let k = 0; k < y.length; k++)
    if (!mask || mask[k]) {
      counts[y[k]]++;
      n++;
    }
  const prior = counts.map((c) => c / n);
  const hy = new Float64Array(y.length);
  for (let k = 0; k < y.length; k++) hy[k] = -Math.log(prior[y[k]]);
  return { prior, hy };
}
