import { throwIfCancelled } from './progress';

/** A smooth function to minimise: f(theta) returned, its gradient written into g. */
export interface Objective {
  eval(theta: Float64Array, lambda: number, g: Float64Array): number;
  /**
   * An estimate of the Hessian's diagonal at this strength, when its entries differ by orders of
   * magnitude (a penalty weighted per parameter): the initial inverse Hessian is scaled by its
   * inverse (Jacobi preconditioning). Without it, a multiple of the identity.
   */
  diagonal?(lambda: number): Float64Array | undefined;
}

export interface LbfgsOptions {
  /** iterations at most */
  maxIter: number;
  /** stop when the largest gradient entry is below this */
  tol: number;
  /** curvature pairs kept */
  memory: number;
  signal?: AbortSignal;
}

/** Curvature pairs (s = step, y = gradient change, rho = 1 / s.y) of the last accepted steps, oldest first. */
interface Memory {
  S: Float64Array[];
  Y: Float64Array[];
  rho: number[];
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

function maxAbs(g: Float64Array): number {
  let gmax = 0;
  for (let i = 0; i < g.length; i++) gmax = Math.max(gmax, Math.abs(g[i]));
  return gmax;
}

/**
 * Two-loop recursion: dir = -H g, H the inverse Hessian estimated from the memory, from an
 * initial gamma I, or gamma P with P a diagonal preconditioner (mean 1).
 */
function twoLoop(mem: Memory, g: Float64Array, dir: Float64Array, alpha: Float64Array, P?: Float64Array): void {
  const { S, Y, rho } = mem;
  const p = g.length;
  dir.set(g);
  for (let m = S.length - 1; m >= 0; m--) {
    alpha[m] = rho[m] * dot(S[m], dir);
    for (let i = 0; i < p; i++) dir[i] -= alpha[m] * Y[m][i];
  }
  const last = Y[Y.length - 1];
  const yPy = !last ? 0 : P ? last.reduce((a, v, i) => a + v * v * P[i], 0) : dot(last, last);
  const gamma = S.length ? dot(S[S.length - 1], last) / yPy : 1 / Math.max(1, Math.sqrt(dot(g, g)));
  for (let i = 0; i < p; i++) dir[i] *= P ? gamma * P[i] : gamma;
  for (let m = 0; m < S.length; m++) {
    const beta = rho[m] * dot(Y[m], dir);
    for (let i = 0; i < p; i++) dir[i] += S[m][i] * (alpha[m] - beta);
  }
  for (let i = 0; i < p; i++) dir[i] = -dir[i];
}

/** The search direction into dir; returns its slope g . dir (negative). */
function descentDirection(
  mem: Memory,
  g: Float64Array,
  dir: Float64Array,
  alpha: Float64Array,
  P?: Float64Array,
): number {
  twoLoop(mem, g, dir, alpha, P);
  let slope = dot(g, dir);
  if (!(slope < 0)) {
    // not a descent direction: restart from steepest descent
    mem.S.length = 0;
    mem.Y.length = 0;
    mem.rho.length = 0;
    for (let i = 0; i < g.length; i++) dir[i] = -g[i] / Math.max(1, Math.sqrt(dot(g, g)));
    slope = dot(g, dir);
  }
  return slope;
}

/**
 * Backtracking Armijo line search from theta along dir: the accepted point is left in trial
 * and its gradient in gNew; returns its value, or undefined when no step of 30 halvings is.
 */
function lineSearch(
  obj: Objective,
  lambda: number,
  theta: Float64Array,
  f: number,
  dir: Float64Array,
  slope: number,
  trial: Float64Array,
  gNew: Float64Array,
): number | undefined {
  let step = 1;
  for (let ls = 0; ls < 30; ls++) {
    for (let i = 0; i < theta.length; i++) trial[i] = theta[i] + step * dir[i];
    const fNew = obj.eval(trial, lambda, gNew);
    if (fNew <= f + 1e-4 * step * slope) return fNew;
    step /= 2;
  }
  return undefined;
}

/** Store the step theta -> trial when its curvature is positive, dropping the oldest beyond `memory`. */
function remember(
  mem: Memory,
  theta: Float64Array,
  trial: Float64Array,
  g: Float64Array,
  gNew: Float64Array,
  memory: number,
): void {
  const p = theta.length;
  const s = new Float64Array(p),
    yv = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    s[i] = trial[i] - theta[i];
    yv[i] = gNew[i] - g[i];
  }
  const sy = dot(s, yv);
  if (sy > 1e-12) {
    mem.S.push(s);
    mem.Y.push(yv);
    mem.rho.push(1 / sy);
    if (mem.S.length > memory) {
      mem.S.shift();
      mem.Y.shift();
      mem.rho.shift();
    }
  }
}

/** The inverse of a Hessian diagonal estimate, scaled to mean 1 (undefined: none usable). */
function preconditioner(diag: Float64Array | undefined): Float64Array | undefined {
  if (!diag?.length || !diag.every((v) => Number.isFinite(v) && v > 0)) return;
  const inv = diag.map((v) => 1 / v);
  const mean = inv.reduce((a, v) => a + v, 0) / inv.length;
  return inv.map((v) => v / mean);
}

/** L-BFGS (two-loop recursion, backtracking Armijo line search) from theta, in place; returns iterations. */
export function lbfgs(obj: Objective, theta: Float64Array, lambda: number, o: LbfgsOptions): number {
  const p = theta.length;
  const g = new Float64Array(p),
    gNew = new Float64Array(p),
    dir = new Float64Array(p),
    trial = new Float64Array(p);
  const mem: Memory = { S: [], Y: [], rho: [] };
  let f = obj.eval(theta, lambda, g);
  const alpha = new Float64Array(o.memory);
  const P = preconditioner(obj.diagonal?.(lambda));
  let it = 0;
  for (; it < o.maxIter; it++) {
    if (it % 8 === 0) throwIfCancelled(o.signal);
    if (maxAbs(g) < o.tol) break;
    const slope = descentDirection(mem, g, dir, alpha, P);
    const fNew = lineSearch(obj, lambda, theta, f, dir, slope, trial, gNew);
    if (fNew === undefined) break;
    remember(mem, theta, trial, g, gNew, o.memory);
    theta.set(trial);
    g.set(gNew);
    // Converged for our use: the mean cross-entropy no longer moves at 1e-8 nats per step.
    const done = f - fNew <= 1e-8 * Math.max(1, Math.abs(f));
    f = fNew;
    if (done) {
      it++;
      break;
    }
  }
  return it;
}
