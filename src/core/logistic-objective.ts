import * as tf from '@tensorflow/tfjs-core';
import { countProduct } from './flops';
import { Features, forBlocks, gather } from './rows';
import { Objective as LbfgsObjective } from './lbfgs';
import { Mat, StepOps, stepOps } from './step-ops';

/** The linear probe's objective (logistic.ts): mean cross-entropy of a softmax of x W + b, plus L2. */

/** Penalty on the biases: keeps absent classes' logits finite without pulling the others' priors. */
export const BIAS_PENALTY = 1e-6;
/** Above this many multiply-adds per product the fit runs its matmuls on tfjs (wasm ~16 GFLOP/s vs ~1 in JS). */
export const TF_WORK = 5e5;

/**
 * The tfjs path's rows per block: a block's x, x^T and one-hot labels are what one product
 * holds (16 MiB of x), so a fit over 1M rows needs no N-sized buffer on the thread's heap.
 */
export const OBJECTIVE_BLOCK_VALUES = 1 << 22;
/**
 * Blocks kept on the thread's wasm heap (which never shrinks) up to this many values of x
 * (128 MiB; x^T as much again); the rest are gathered and uploaded at each evaluation. Which
 * blocks are kept does not change a number, only the time: the same blocks, the same order.
 */
export const RESIDENT_VALUES = 1 << 25;

/** One block of fit rows on tfjs: its x [m x d], x^T and one-hot labels [m x K]. */
interface Block {
  rows: Int32Array;
  /** offset of the block's first row among the fit rows */
  at: number;
  tensors?: BlockTensors;
}
interface BlockTensors {
  x: tf.Tensor2D;
  xT: tf.Tensor2D;
  onehot: tf.Tensor2D;
}

/** Mean cross-entropy + penalty and its gradient, over the fit rows; one instance per fit. */
export class Objective implements LbfgsObjective {
  /** the fit rows in blocks, with the tfjs path */
  private readonly blocks?: Block[];
  readonly n: number;
  readonly d: number;
  readonly yFit: Int32Array;
  /** the fit rows in JS memory, for the JS path only (on tfjs they live in the blocks) */
  private readonly xFit?: Float32Array;
  /** function + gradient evaluations so far */
  evaluations = 0;
  /** the tfjs path's weights, a block's probabilities and gradient in JS, and the summed gradient */
  private buffers?: {
    w: Float32Array;
    b: Float32Array;
    p: Float32Array;
    gw: Float32Array;
    gb: Float32Array;
    g: Float64Array;
  };

  constructor(
    private readonly x: Features,
    y: Int32Array,
    readonly K: number,
    rows: Int32Array,
    /** the tfjs path's kernels (tests compare the engine's with the direct ones) */
    private readonly ops: StepOps = stepOps(),
    /** values of x per block and kept on the heap (tests make them small) */
    sizes = { block: OBJECTIVE_BLOCK_VALUES, resident: RESIDENT_VALUES },
    /** per input column, the weight of its row of W in the L2 penalty (1 without) */
    private readonly penalty?: Float64Array,
  ) {
    this.n = rows.length;
    const d = (this.d = x.dim);
    this.yFit = Int32Array.from(rows, (r) => y[r]);
    if (this.n * d * K <= TF_WORK) {
      this.xFit = gather(x, rows);
      return;
    }
    this.blocks = [];
    let kept = 0;
    try {
      forBlocks(
        rows,
        d,
        (block, at) => {
          const b: Block = { rows: block, at };
          if (kept + block.length * d <= sizes.resident) {
            b.tensors = this.upload(b);
            kept += block.length * d;
          }
          this.blocks!.push(b);
        },
        sizes.block,
      );
    } catch (e) {
      this.dispose(); // the wasm heap outlives this fit (pool threads persist)
      throw e;
    }
  }

  /** A block's tensors: its rows gathered, their transpose (wasm's transposed matmul is ~10x slower) and labels. */
  private upload(b: Block): BlockTensors {
    const { d, K } = this;
    const m = b.rows.length;
    const oh = new Float32Array(m * K);
    for (let i = 0; i < m; i++) oh[i * K + this.yFit[b.at + i]] = 1;
    return tf.tidy(() => {
      const x = tf.tensor2d(gather(this.x, b.rows), [m, d]);
      return { x, xT: tf.transpose(x), onehot: tf.tensor2d(oh, [m, K]) };
    });
  }

  dispose(): void {
    for (const b of this.blocks ?? []) if (b.tensors) for (const t of Object.values(b.tensors)) t.dispose();
  }

  /**
   * The data term on tfjs: per block, the two products, softmax and its gradient run as 6
   * kernels (the JS loops' n x K exponentials were most of a fit's time), called directly on
   * wasm (step-ops.ts: through the engine each call cost more than its arithmetic at a 5k-row
   * fit) and read into buffers kept for the fit. The loss and the blocks' gradients are summed
   * in float64, so the line search still sees changes float32 sums would round off.
   */
  private dataTermTf(theta: Float64Array, g: Float64Array): number {
    const { n, d, K, ops } = this;
    const blocks = this.blocks!;
    const buf = (this.buffers ??= {
      w: new Float32Array(d * K),
      b: new Float32Array(K),
      p: new Float32Array(blocks[0].rows.length * K), // the first block is the largest (forBlocks)
      gw: new Float32Array(d * K),
      gb: new Float32Array(K),
      g: new Float64Array((d + 1) * K),
    });
    buf.w.set(theta.subarray(0, d * K));
    buf.b.set(theta.subarray(d * K));
    buf.g.fill(0);
    const made: Mat[] = [];
    let f = 0;
    try {
      const w = ops.upload(buf.w, [d, K]);
      made.push(w);
      const b = ops.upload(buf.b, [K]);
      made.push(b);
      for (const block of blocks) f += this.blockTerm(block, w, b, buf);
    } finally {
      for (const m of made) ops.dispose(m);
    }
    for (let j = 0; j < (d + 1) * K; j++) g[j] = buf.g[j] / n;
    return f / n;
  }

  /** One block's summed cross-entropy; its gradient is added to buf.g. What it makes is freed before it returns. */
  private blockTerm(block: Block, w: Mat, b: Mat, buf: NonNullable<Objective['buffers']>): number {
    const { d, K, ops } = this;
    const made: Mat[] = [];
    const keep = <T extends Mat>(m: T) => (made.push(m), m);
    let f = 0;
    try {
      const t = block.tensors ?? this.upload(block);
      if (!block.tensors) made.push(t.x, t.xT, t.onehot); // a streamed block
      const m = block.rows.length;
      const p = keep(ops.softmax(keep(ops.dense(t.x, w, b, false))));
      const diff = keep(ops.sub(p, t.onehot));
      ops.read(keep(ops.matMul(t.xT, diff)), buf.gw);
      ops.read(keep(ops.sumRows(diff)), buf.gb);
      const pb = buf.p.subarray(0, m * K);
      ops.read(p, pb);
      // float32 probabilities: one below ~1e-38 would read as 0; its log is bounded there.
      for (let i = 0; i < m; i++) f -= Math.log(Math.max(pb[i * K + this.yFit[block.at + i]], 1e-38));
      for (let j = 0; j < d * K; j++) buf.g[j] += buf.gw[j];
      for (let k = 0; k < K; k++) buf.g[d * K + k] += buf.gb[k];
    } finally {
      for (const m of made) ops.dispose(m);
    }
    return f;
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

  /**
   * With a weighted penalty, the Hessian's diagonal: the data term's (a weight's input has unit
   * variance on whitened coordinates, times a mean p(1 - p) from the class frequencies) plus
   * each weight's penalty, which spans two orders of magnitude across axes (space.ts
   * axisPenalty): L-BFGS from a multiple of the identity took 50 iterations at the path's
   * strong end where the unweighted fit took 8.
   */
  diagonal(lambda: number): Float64Array | undefined {
    const { d, K, penalty } = this;
    if (!penalty) return;
    const counts = new Float64Array(K);
    for (const c of this.yFit) counts[c]++;
    let curvature = 0;
    for (const c of counts) curvature += ((c / this.n) * (1 - c / this.n)) / K;
    const out = new Float64Array((d + 1) * K);
    for (let j = 0; j < d; j++) out.fill(curvature + lambda * penalty[j], j * K, (j + 1) * K);
    out.fill(curvature + BIAS_PENALTY, d * K);
    return out;
  }

  /** f(theta) and its gradient into g */
  eval(theta: Float64Array, lambda: number, g: Float64Array): number {
    const { d, K } = this;
    this.evaluations++;
    const f = this.blocks ? this.dataTermTf(theta, g) : this.dataTermJs(theta, g);
    let pen = 0;
    for (let j = 0; j < d; j++) {
      const l = lambda * (this.penalty?.[j] ?? 1);
      for (let i = j * K; i < (j + 1) * K; i++) {
        pen += l * theta[i] * theta[i];
        g[i] += l * theta[i];
      }
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
