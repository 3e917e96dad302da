import * as tf from '@tensorflow/tfjs-core';
import { Rng } from './rng';
import { denseProduct } from './tensors';
import { Mat, StepOps, stepOps } from './step-ops';

/**
 * A ReLU MLP trained by hand-written backpropagation and Adam: the probe classifier's engine.
 *
 * tfjs's autodiff and optimizer cost ~180 kernel calls per step for a 4-layer net, and at probe
 * sizes (batches of ~100-256 rows, 64 hidden units) the per-call overhead, not the FLOPs, set the
 * step time (~2 ms on wasm). Here a step is ~25 kernels: fused matmul+bias+ReLU forward, the
 * explicit backward pass, and Adam on the weights in JS memory (a few thousand to ~70k floats).
 * The weights live in one flat Float32Array; tensors of them are made per step.
 */

/** Where layer l's weights [rows x cols] and bias [cols] sit in the flat parameter array. */
export type Layout = Array<{ rows: number; cols: number; w: number; b: number }>;

export interface FlatNet {
  layout: Layout;
  theta: Float32Array;
}

/** Number of weights and biases of a net with these layer sizes (inputs first). */
export function netSize(sizes: number[]): number {
  let size = 0;
  for (let i = 1; i < sizes.length; i++) size += sizes[i - 1] * sizes[i] + sizes[i];
  return size;
}

/** He-uniform initial weights for the ReLU layers (half that for the output), zero biases. */
export function flatNet(sizes: number[], rng: Rng): FlatNet {
  const layout: Layout = [];
  let size = 0;
  sizes.slice(0, -1).forEach((rows, i) => {
    const cols = sizes[i + 1];
    layout.push({ rows, cols, w: size, b: size + rows * cols });
    size += rows * cols + cols;
  });
  const theta = new Float32Array(size);
  layout.forEach((l, i) => {
    const limit = Math.sqrt(6 / l.rows) * (i === layout.length - 1 ? 0.5 : 1);
    for (let j = 0; j < l.rows * l.cols; j++) theta[l.w + j] = (2 * rng.next() - 1) * limit;
  });
  return { layout, theta };
}

export interface LayerTensors {
  w: tf.Tensor2D;
  b: tf.Tensor1D;
}

/** Tensors of each layer's weights (caller disposes), for inference (forward). */
export function layerTensors(net: FlatNet): LayerTensors[] {
  return net.layout.map((l) => ({
    w: tf.tensor2d(net.theta.subarray(l.w, l.w + l.rows * l.cols), [l.rows, l.cols]),
    b: tf.tensor1d(net.theta.subarray(l.b, l.b + l.cols)),
  }));
}

export function disposeLayers(layers: LayerTensors[]): void {
  for (const l of layers) {
    l.w.dispose();
    l.b.dispose();
  }
}

function transpose(a: Float32Array, rows: number, cols: number, into?: Float32Array): Float32Array {
  const out = into && into.length >= rows * cols ? into.subarray(0, rows * cols) : new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

/** Logits of x [n x d] (ReLU on every layer but the last). Keeps the activations when `acts` is given. */
export function forward(layers: LayerTensors[], x: tf.Tensor2D, acts?: tf.Tensor2D[]): tf.Tensor2D {
  let h = x;
  layers.forEach((l, i) => {
    const last = i === layers.length - 1;
    const next = denseProduct(h, l.w, l.b, !last);
    if (h !== x && !acts) h.dispose();
    h = next;
    if (acts && !last) acts.push(h);
  });
  return h;
}

/** A minibatch: rows [b x d], their transpose [d x b] (for the first layer's gradient) and labels. */
export interface Batch {
  x: tf.Tensor2D;
  xT: tf.Tensor2D;
  y: Int32Array;
}

/**
 * Mean cross-entropy of the batch and its gradient with respect to the flat weights, written
 * into `grad` (plus the L2 term's 2 decay theta). Softmax and its gradient are computed in JS:
 * the logits are only [b x K].
 */
export function batchGradient(
  net: FlatNet,
  batch: Batch,
  K: number,
  decay: number,
  grad: Float32Array,
  ops: StepOps = stepOps(),
): number {
  const made: Mat[] = []; // everything the step makes, freed at its end
  const keep = <T extends Mat>(m: T) => (made.push(m), m);
  const n = batch.y.length;
  const scratch = scratchFor(grad.length, n * K);
  try {
    const layers = net.layout.map((l, i) => {
      const w = net.theta.subarray(l.w, l.w + l.rows * l.cols);
      return {
        w: keep(ops.upload(w, [l.rows, l.cols])),
        b: keep(ops.upload(net.theta.subarray(l.b, l.b + l.cols), [l.cols])),
        // w^T uploaded from JS for the backward pass (wasm's transposed matmul is slow); the
        // upload copies it, so one buffer serves every layer.
        wT: i > 0 ? keep(ops.upload(transpose(w, l.rows, l.cols, scratch.wT), [l.cols, l.rows])) : undefined,
      };
    });
    const acts: Mat[] = [];
    let h: Mat = batch.x;
    layers.forEach((l, i) => {
      h = keep(ops.dense(h, l.w, l.b, i < layers.length - 1));
      if (i < layers.length - 1) acts.push(h);
    });
    const z = scratch.z.subarray(0, n * K);
    ops.read(h, z);
    const { loss, dz } = softmaxGradient(z, batch.y, K, scratch.dz);
    let dZ = keep(ops.upload(dz, [n, K]));
    for (let l = layers.length - 1; l >= 0; l--) {
      const { w, b } = net.layout[l];
      const aT = l === 0 ? batch.xT : keep(ops.transpose(acts[l - 1]));
      ops.read(keep(ops.matMul(aT, dZ)), grad, w);
      ops.read(keep(ops.sumRows(dZ)), grad, b);
      if (l > 0) dZ = keep(ops.reluGrad(keep(ops.matMul(dZ, layers[l].wT!)), acts[l - 1]));
    }
    if (decay) {
      let sq = 0;
      for (let i = 0; i < grad.length; i++) {
        grad[i] += 2 * decay * net.theta[i];
        sq += net.theta[i] * net.theta[i];
      }
      return loss + decay * sq;
    }
    return loss;
  } finally {
    for (const m of made) ops.dispose(m);
  }
}

/** Reused per-step buffers (a thread runs one step at a time): the logits read back, their gradient and w^T. */
const scratch = { z: new Float32Array(0), dz: new Float32Array(0), wT: new Float32Array(0) };

function scratchFor(weights: number, logits: number): typeof scratch {
  if (scratch.z.length < logits) scratch.z = new Float32Array(logits);
  if (scratch.dz.length < logits) scratch.dz = new Float32Array(logits);
  if (scratch.wT.length < weights) scratch.wT = new Float32Array(weights);
  return scratch;
}

/** Mean cross-entropy of logits z [n x K] and its gradient (softmax - onehot) / n. */
export function softmaxGradient(
  z: Float32Array,
  y: Int32Array,
  K: number,
  into?: Float32Array,
): { loss: number; dz: Float32Array } {
  const n = y.length;
  // A fresh typed array per step cost as much as the softmax (V8 allocates its store off-heap).
  const dz = into && into.length >= n * K ? into.subarray(0, n * K) : new Float32Array(n * K);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let c = 0; c < K; c++) m = Math.max(m, z[i * K + c]);
    let s = 0;
    for (let c = 0; c < K; c++) s += dz[i * K + c] = Math.exp(z[i * K + c] - m); // one exp per entry
    loss -= z[i * K + y[i]] - m - Math.log(s);
    const scale = 1 / (s * n);
    for (let c = 0; c < K; c++) dz[i * K + c] *= scale;
    dz[i * K + y[i]] -= 1 / n;
  }
  return { loss: loss / n, dz };
}

/** Adam (Kingma and Ba) with tfjs's defaults: beta1 0.9, beta2 0.999, epsilon 1e-7. */
export class Adam {
  // Moments in float64: no float32 rounding on each store, and ~2x faster per step in V8.
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    public lr: number,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /**
   * One step on grad plus the L2 term's 2 decay theta (here rather than in batchGradient: one
   * pass over the weights instead of two). The bias corrections are folded into two constants,
   * so an element costs one square root and one division: at a small probe's ~13k weights this
   * loop was a sixth of the step.
   */
  step(theta: Float32Array, grad: Float32Array, decay = 0): void {
    this.t++;
    const b1 = 0.9,
      b2 = 0.999;
    const rate = this.lr / (1 - b1 ** this.t);
    const unbias = 1 / Math.sqrt(1 - b2 ** this.t);
    const { m, v } = this;
    const d2 = 2 * decay;
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i] + d2 * theta[i];
      const mi = (m[i] = b1 * m[i] + (1 - b1) * g);
      const vi = (v[i] = b2 * v[i] + (1 - b2) * g * g);
      theta[i] -= (rate * mi) / (Math.sqrt(vi) * unbias + 1e-7);
    }
  }
}
