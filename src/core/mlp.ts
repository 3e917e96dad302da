import * as tf from '@tensorflow/tfjs-core';
import { Rng } from './rng';
import { countProduct } from './flops';
import { matMul, readInto } from './tensors';

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
  /** w^T, uploaded from JS for the backward pass (wasm's transposed matmul is slow) */
  wT?: tf.Tensor2D;
}

/**
 * Tensors of each layer's weights (caller disposes); with w^T for every layer but the first when
 * `backward` (transposed in `scratch` when given: uploading copies them, so it is reused).
 */
export function layerTensors(net: FlatNet, backward = false, scratch?: Float32Array): LayerTensors[] {
  return net.layout.map((l, i) => {
    const w = net.theta.subarray(l.w, l.w + l.rows * l.cols);
    const out: LayerTensors = {
      w: tf.tensor2d(w, [l.rows, l.cols]),
      b: tf.tensor1d(net.theta.subarray(l.b, l.b + l.cols)),
    };
    if (backward && i > 0) out.wT = tf.tensor2d(transpose(w, l.rows, l.cols, scratch), [l.cols, l.rows]);
    return out;
  });
}

export function disposeLayers(layers: LayerTensors[]): void {
  for (const l of layers) {
    l.w.dispose();
    l.b.dispose();
    l.wT?.dispose();
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
    countProduct(h.shape[0], h.shape[1], l.w.shape[1]);
    const next = tf.fused.matMul({ a: h, b: l.w, bias: l.b, activation: last ? 'linear' : 'relu' }) as tf.Tensor2D;
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
export function batchGradient(net: FlatNet, batch: Batch, K: number, decay: number, grad: Float32Array): number {
  const acts: tf.Tensor2D[] = [];
  const temps: tf.Tensor[] = [];
  let layers: LayerTensors[] = [];
  const n = batch.y.length;
  const scratch = scratchFor(grad.length, n * K);
  try {
    // Only wasm copies a tensor's values on creation (cpu keeps the array): reuse there alone.
    layers = layerTensors(net, true, tf.getBackend() === 'wasm' ? scratch.wT : undefined);
    const logits = forward(layers, batch.x, acts);
    temps.push(logits);
    const z = scratch.z.subarray(0, n * K);
    readInto(logits, z);
    const { loss, dz } = softmaxGradient(z, batch.y, K);
    let dZ: tf.Tensor2D = tf.tensor2d(dz, [n, K]);
    temps.push(dZ);
    for (let l = layers.length - 1; l >= 0; l--) {
      const { w, b } = net.layout[l];
      const aT = l === 0 ? batch.xT : tf.transpose(acts[l - 1]);
      if (l > 0) temps.push(aT);
      const dW = matMul(aT, dZ);
      const dB = tf.sum(dZ, 0);
      temps.push(dW, dB);
      readInto(dW, grad, w);
      readInto(dB, grad, b);
      if (l > 0) {
        const dA = matMul(dZ, layers[l].wT!);
        const mask = tf.step(acts[l - 1]);
        dZ = tf.mul(dA, mask);
        temps.push(dA, mask, dZ);
      }
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
    for (const t of temps) t.dispose();
    for (const a of acts) a.dispose();
    disposeLayers(layers);
  }
}

/** Reused per-step buffers (a thread runs one step at a time): the logits read back and w^T. */
const scratch = { z: new Float32Array(0), wT: new Float32Array(0) };

function scratchFor(weights: number, logits: number): typeof scratch {
  if (scratch.z.length < logits) scratch.z = new Float32Array(logits);
  if (scratch.wT.length < weights) scratch.wT = new Float32Array(weights);
  return scratch;
}

/** Mean cross-entropy of logits z [n x K] and its gradient (softmax - onehot) / n. */
export function softmaxGradient(z: Float32Array, y: Int32Array, K: number): { loss: number; dz: Float32Array } {
  const n = y.length;
  const dz = new Float32Array(n * K);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let c = 0; c < K; c++) m = Math.max(m, z[i * K + c]);
    let s = 0;
    for (let c = 0; c < K; c++) s += Math.exp(z[i * K + c] - m);
    const logS = Math.log(s);
    loss -= z[i * K + y[i]] - m - logS;
    for (let c = 0; c < K; c++) dz[i * K + c] = Math.exp(z[i * K + c] - m - logS) / n;
    dz[i * K + y[i]] -= 1 / n;
  }
  return { loss: loss / n, dz };
}

/** Adam (Kingma and Ba) with tfjs's defaults: beta1 0.9, beta2 0.999, epsilon 1e-7. */
export class Adam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;

  constructor(
    size: number,
    public lr: number,
  ) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  /**
   * One step on grad plus the L2 term's 2 decay theta (here rather than in batchGradient: one
   * pass over the weights instead of two; rounded to float32 as that sum was stored).
   */
  step(theta: Float32Array, grad: Float32Array, decay = 0): void {
    this.t++;
    const b1 = 0.9,
      b2 = 0.999;
    const c1 = 1 - b1 ** this.t,
      c2 = 1 - b2 ** this.t;
    const { m, v, lr } = this;
    for (let i = 0; i < theta.length; i++) {
      const g = decay ? Math.fround(grad[i] + 2 * decay * theta[i]) : grad[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      theta[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + 1e-7);
    }
  }
}
