import * as tf from '@tensorflow/tfjs-core';
import { countProduct } from './flops';
import { Features, gather } from './rows';
import { Objective as LbfgsObjective } from './lbfgs';
import { Mat, StepOps, stepOps } from './step-ops';

/** The linear probe's objective (logistic.ts): mean cross-entropy of a softmax of x W + b, plus L2. */

/** Penalty on the biases: keeps absent classes' logits finite without pulling the others' priors. */
export const BIAS_PENALTY = 1e-6;
/** Above this many multiply-adds per product the fit runs its matmuls on tfjs (wasm ~16 GFLOP/s vs ~1 in JS). */
export const TF_WORK = 5e5;

/** Mean cross-entropy + penalty and its gradient, over the fit rows; one instance per fit. */
export class Objective implements LbfgsObjective {
  private readonly xt?: tf.Tensor2D;
  private readonly xtT?: tf.Tensor2D;
  /** one-hot labels of the fit rows [n x K], with the tfjs path */
  private readonly onehot?: tf.Tensor2D;
  readonly n: number;
  readonly yFit: Int32Array;
  /** the fit rows in JS memory, for the JS path only (on tfjs they live in the tensors alone) */
  private readonly xFit?: Float32Array;
  /** function + gradient evaluations so far */
  evaluations = 0;
  /** the tfjs path's weights, probabilities and gradient in JS, made once per fit */
  private buffers?: Record<'w' | 'b' | 'p' | 'gw' | 'gb', Float32Array>;

  readonly d: number;

  constructor(
    x: Features,
    y: Int32Array,
    readonly K: number,
    rows: Int32Array,
    /** the tfjs path's kernels (tests compare the engine's with the direct ones) */
    private readonly ops: StepOps = stepOps(),
  ) {
    this.n = rows.length;
    const d = (this.d = x.dim);
    const xFit = gather(x, rows);
    this.yFit = Int32Array.from(rows, (r) => y[r]);
    if (this.n * d * K <= TF_WORK) this.xFit = xFit;
    else {
      this.xt = tf.tensor2d(xFit, [this.n, d]);
      // wasm's transposed matmul is ~10x slower than a plain one: keep x^T.
      this.xtT = tf.transpose(this.xt);
      const oh = new Float32Array(this.n * K);
      for (let i = 0; i < this.n; i++) oh[i * K + this.yFit[i]] = 1;
      this.onehot = tf.tensor2d(oh, [this.n, K]);
    }
  }

  dispose(): void {
    this.xt?.dispose();
    this.xtT?.dispose();
    this.onehot?.dispose();
  }

  /**
   * The data term on tfjs: the two products, softmax and its gradient run as 6 kernels (the JS
   * loops' n x K exponentials were most of a fit's time), called directly on wasm (step-ops.ts:
   * through the engine each call cost more than its arithmetic at a 5k-row fit) and read into
   * buffers kept for the fit. The loss is summed in float64 from the label entries, so the
   * line search still sees changes float32 sums would round off.
   */
  private dataTermTf(theta: Float64Array, g: Float64Array): number {
    const { n, d, K } = this;
    const { ops } = this;
    const buf = (this.buffers ??= {
      w: new Float32Array(d * K),
      b: new Float32Array(K),
      p: new Float32Array(n * K),
      gw: new Float32Array(d * K),
      gb: new Float32Array(K),
    });
    buf.w.set(theta.subarray(0, d * K));
    buf.b.set(theta.subarray(d * K));
    const made: Mat[] = [];
    const keep = <T extends Mat>(m: T) => (made.push(m), m);
    try {
      const w = keep(ops.upload(buf.w, [d, K]));
      const b = keep(ops.upload(buf.b, [K]));
      const p = keep(ops.softmax(keep(ops.dense(this.xt!, w, b, false))));
      const diff = keep(ops.sub(p, this.onehot!));
      ops.read(keep(ops.matMul(this.xtT!, diff)), buf.gw);
      ops.read(keep(ops.sumRows(diff)), buf.gb);
      ops.read(p, buf.p);
    } finally {
      for (const m of made) ops.dispose(m);
    }
    const { p, gw, gb } = buf;
    let f = 0;
    // float32 probabilities: one below ~1e-38 would read as 0; its log is bounded there.
    for (let i = 0; i < n; i++) f -= Math.log(Math.max(p[i * K + this.yFit[i]], 1e-38));
    for (let j = 0; j < d * K; j++) g[j] = gw[j] / n;
    for (let k = 0; k < K; k++) g[d * K + k] = gb[k] / n;
    return f / n;
  }

  /** logits [n x K] of the fit rows for theta = [W (d x K), b (K)], in JS (small fits) */
  private logits(theta: Float64Array): Float64Array {
    const { n, d, K } = this;
    countProduct(n, d, K);
    const z = new Float64Array(n * K);
    const x = this.xFit!;
    for (let i = 0; i < n; i++) {
      const zi = i * K;
      for (let j = 0; j < d; j++) {
        const v = x[i * d + j];
        if (v === 0) continue;
        const wj = j * K;
        for (let k = 0; k < K; k++) z[zi + k] += v * theta[wj + k];
      }
    }
    const b = d * K;
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) z[i * K + k] += theta[b + k];
    return z;
  }

  /** f(theta) and its gradient into g */
  eval(theta: Float64Array, lambda: number, g: Float64Array): number {
    const { d, K } = this;
    this.evaluations++;
    const f = this.xt ? this.dataTermTf(theta, g) : this.dataTermJs(theta, g);
    let pen = 0;
    for (let j = 0; j < d * K; j++) {
      pen += lambda * theta[j] * theta[j];
      g[j] += lambda * theta[j];
    }
    for (let k = 0; k < K; k++) {
      pen += BIAS_PENALTY * theta[d * K + k] ** 2;
      g[d * K + k] += BIAS_PENALTY * theta[d * K + k];
    }
    return f + pen / 2;
  }

  /** The mean cross-entropy of the fit rows and its gradient into g, in JS (small fits). */
  private dataTermJs(theta: Float64Array, g: Float64Array): number {
    const { n, d, K } = this;
    countProduct(n, d, K); // the gradient's X^T dz (logits count theirs)
    const z = this.logits(theta);
    let f = 0;
    // z becomes (softmax - onehot) / n: the gradient of the mean cross-entropy wrt the logits.
    for (let i = 0; i < n; i++) {
      const o = i * K;
      let m = -Infinity;
      for (let k = 0; k < K; k++) if (z[o + k] > m) m = z[o + k];
      let s = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp(z[o + k] - m);
        z[o + k] = e;
        s += e;
      }
      const yi = this.yFit[i];
      f -= Math.log(z[o + yi] / s);
      for (let k = 0; k < K; k++) z[o + k] = z[o + k] / s / n;
      z[o + yi] -= 1 / n;
    }
    f /= n;
    g.fill(0);
    const x = this.xFit!;
    for (let i = 0; i < n; i++) {
      const zi = i * K;
      for (let j = 0; j < d; j++) {
        const v = x[i * d + j];
        if (v === 0) continue;
        const wj = j * K;
        for (let k = 0; k < K; k++) g[wj + k] += v * z[zi + k];
      }
    }
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) g[d * K + k] += z[i * K + k];
    return f;
  }
}
