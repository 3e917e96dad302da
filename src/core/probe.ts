import * as tf from '@tensorflow/tfjs-core';
import { readAndDispose } from './tensors';
// tfjs-core's CommonJS build has no gradients; the umbrella package registers them.
import '@tensorflow/tfjs';
import { Rng } from './rng';
import { gatherRows } from './rows';
import { throwIfCancelled } from './progress';

/**
 * Probe classifier p(y|x): an MLP (D -> hidden... -> K, ReLU) trained by Adam on cross-entropy,
 * stopped at the best validation loss and then temperature-calibrated on the same validation
 * rows. Pointwise i(x;y) inherits any excess cross-entropy, so calibration and stopping matter
 * more than epochs (method.md).
 */
export interface ProbeOptions {
  hidden: number[];
  maxEpochs: number;
  batch: number;
  lr: number;
  /** L2 penalty on all parameters, at up to `decayRows` training rows */
  weightDecay: number;
  /** above this many training rows the penalty shrinks as 1/rows: a prior whose pull fades with data */
  decayRows: number;
  patience: number;
  seed: number;
  signal?: AbortSignal;
  onEpoch?: (epoch: number) => void;
}

export const DEFAULT_PROBE: Omit<ProbeOptions, 'seed'> = {
  hidden: [64, 64, 64],
  maxEpochs: 60,
  batch: 256,
  lr: 6e-3,
  weightDecay: 3e-3,
  decayRows: 1500,
  patience: 3,
};

/**
 * The joint probe (both modalities, 2D inputs) is the costliest fit; it keeps a lighter,
 * faster-converging setup. The unimodal probes' excess cross-entropy is what moves R and U
 * (method.md), so they get the deeper, regularised one above.
 */
export const DEFAULT_JOINT_PROBE: Partial<Omit<ProbeOptions, 'seed'>> = {
  hidden: [64, 64],
  lr: 3e-3,
  weightDecay: 1e-4,
};

export interface Probe {
  weights: Array<{ w: Float32Array; b: Float32Array; rows: number; cols: number }>;
  temperature: number;
  epochs: number;
  valLoss: number;
}

/** x @ w whose weight gradient uses a precomputed x^T: wasm's transposed matmul is ~10x slower. */
const inputMatMul = tf.customGrad(((...args: unknown[]) => {
  const [x, xT, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([xT]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.zerosLike(x),
      tf.zerosLike(xT),
      tf.matMul(saved[0] as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as Parameters<typeof tf.customGrad>[0]) as unknown as (
  x: tf.Tensor2D,
  xT: tf.Tensor2D,
  w: tf.Tensor2D,
) => tf.Tensor2D;

/** a @ w with explicit transposes in the backward pass, for hidden layers. */
const hiddenMatMul = tf.customGrad(((...args: unknown[]) => {
  const [a, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, w]);
  return {
    value: tf.matMul(a, w),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[1] as tf.Tensor2D)),
      tf.matMul(tf.transpose(saved[0] as tf.Tensor2D), dy as tf.Tensor2D),
    ],
  };
}) as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

function forward(layers: Array<{ w: tf.Tensor2D; b: tf.Tensor1D }>, x: tf.Tensor2D, xT?: tf.Tensor2D): tf.Tensor2D {
  let h: tf.Tensor2D = x;
  layers.forEach((l, i) => {
    const z =
      i === 0 && xT
        ? inputMatMul(x, xT, l.w)
        : i === 0
          ? tf.matMul(h, l.w)
          : xT
            ? hiddenMatMul(h, l.w)
            : tf.matMul(h, l.w);
    h = tf.add(z, l.b);
    if (i < layers.length - 1) h = tf.relu(h);
  });
  return h;
}

/** Mean negative log-likelihood at temperature t, from logits in JS memory. */
function nll(logits: Float32Array, y: Int32Array, K: number, t: number): number {
  const lp = logProbFromLogits(logits, y, K, t);
  let total = 0;
  for (let i = 0; i < lp.length; i++) total -= lp[i];
  return total / lp.length;
}

/** Temperature minimising validation NLL (golden-section search on log t). */
export function fitTemperature(logits: Float32Array, y: Int32Array, K: number): number {
  // Bounded: on a small, perfectly separated validation set the NLL keeps falling as t -> 0,
  // and an over-sharpened probe pays heavily on the held-out samples it gets wrong.
  let a = Math.log(0.7),
    b = Math.log(5);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = b - g * (b - a),
    d = a + g * (b - a);
  let fc = nll(logits, y, K, Math.exp(c)),
    fd = nll(logits, y, K, Math.exp(d));
  for (let i = 0; i < 40; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = nll(logits, y, K, Math.exp(c));
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = nll(logits, y, K, Math.exp(d));
    }
  }
  const t = Math.exp((a + b) / 2);
  return nll(logits, y, K, t) <= nll(logits, y, K, 1) ? t : 1;
}

export function probeLogits(p: Probe, x: Float32Array, n: number, d: number): Float32Array {
  const layers = p.weights.map((l) => ({ w: tf.tensor2d(l.w, [l.rows, l.cols]), b: tf.tensor1d(l.b) }));
  const all = new Float32Array(n * p.weights[p.weights.length - 1].cols);
  try {
    const chunk = 4096;
    for (let s = 0; s < n; s += chunk) {
      const m = Math.min(chunk, n - s);
      all.set(
        readAndDispose(tf.tidy(() => forward(layers, tf.tensor2d(x.subarray(s * d, (s + m) * d), [m, d])))),
        s * p.weights[p.weights.length - 1].cols,
      );
    }
  } finally {
    for (const l of layers) {
      l.w.dispose();
      l.b.dispose();
    }
  }
  return all;
}

/** log p(y_i | x_i) for each row, temperature applied. */
export function probeLogProb(p: Probe, x: Float32Array, n: number, d: number, y: Int32Array): Float64Array {
  const K = p.weights[p.weights.length - 1].cols;
  return logProbFromLogits(probeLogits(p, x, n, d), y, K, p.temperature);
}

export function logProbFromLogits(logits: Float32Array, y: Int32Array, K: number, t = 1): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    let m = -Infinity;
    for (let c = 0; c < K; c++) m = Math.max(m, logits[i * K + c] / t);
    let s = 0;
    for (let c = 0; c < K; c++) s += Math.exp(logits[i * K + c] / t - m);
    out[i] = logits[i * K + y[i]] / t - m - Math.log(s);
  }
  return out;
}

/** tfjs reads Adam's learningRate on every step but does not expose a setter. */
function setLearningRate(o: tf.AdamOptimizer, lr: number): void {
  (o as unknown as { learningRate: number }).learningRate = lr;
}

/** Below this many validation rows a fitted temperature is noise: keep t = 1. */
export const MIN_CALIBRATION_ROWS = 200;

type Layout = Array<{ rows: number; cols: number; w: number; b: number }>;

/**
 * All weights and biases live in one flat variable: tfjs's Adam costs ~12 small ops per
 * variable per step, and at these sizes those ops, not the FLOPs, set the step time.
 * He-uniform initial weights for the ReLU layers (half that for the output), zero biases.
 */
function flatNet(sizes: number[], rng: Rng): { layout: Layout; init: Float32Array } {
  const layout: Layout = [];
  let size = 0;
  sizes.slice(0, -1).forEach((rows, i) => {
    const cols = sizes[i + 1];
    layout.push({ rows, cols, w: size, b: size + rows * cols });
    size += rows * cols + cols;
  });
  const init = new Float32Array(size);
  layout.forEach((l, i) => {
    const limit = Math.sqrt(6 / l.rows) * (i === layout.length - 1 ? 0.5 : 1);
    for (let j = 0; j < l.rows * l.cols; j++) init[l.w + j] = (2 * rng.next() - 1) * limit;
  });
  return { layout, init };
}

/** Fixed random minibatches (order reshuffled each epoch) so each batch's x^T is computed once. */
function minibatches(x: Float32Array, d: number, y: Int32Array, K: number, order: Int32Array, batchSize: number) {
  const batches: Array<{ x: tf.Tensor2D; xT: tf.Tensor2D; y: tf.Tensor2D }> = [];
  // Small data still gets ~32 Adam steps per epoch: with a fixed batch it would stop after a few dozen steps.
  const batch = Math.max(16, Math.min(batchSize, Math.ceil(order.length / 32)));
  const nb = Math.max(1, Math.round(order.length / batch));
  for (let b = 0; b < nb; b++) {
    const rows = order.subarray(Math.floor((b * order.length) / nb), Math.floor(((b + 1) * order.length) / nb));
    const xb = tf.tensor2d(gatherRows(x, d, rows), [rows.length, d]);
    const yb = tf.cast(
      tf.oneHot(
        tf.tensor1d(
          Int32Array.from(rows, (r) => y[r]),
          'int32',
        ),
        K,
      ),
      'float32',
    ) as tf.Tensor2D;
    batches.push({ x: xb, xT: tf.transpose(xb) as tf.Tensor2D, y: yb });
  }
  return batches;
}

/** The network being trained: one flat parameter variable, its layer layout and its optimizer. */
interface Net {
  theta: tf.Variable;
  layout: Layout;
  optimizer: tf.AdamOptimizer;
}

type Batch = ReturnType<typeof minibatches>[number];

/** Per-layer views of the flat variable, as tensors (inside a tidy). */
function unpack(net: Net): Array<{ w: tf.Tensor2D; b: tf.Tensor1D }> {
  return net.layout.map((l) => ({
    w: tf.reshape(tf.slice(net.theta, l.w, l.rows * l.cols), [l.rows, l.cols]) as tf.Tensor2D,
    b: tf.slice(net.theta, l.b, l.cols) as tf.Tensor1D,
  }));
}

/** A copy of the current weights in JS memory. */
function snapshot(net: Net): Probe['weights'] {
  const all = net.theta.dataSync() as Float32Array;
  return net.layout.map((l) => ({
    w: all.slice(l.w, l.w + l.rows * l.cols),
    b: all.slice(l.b, l.b + l.cols),
    rows: l.rows,
    cols: l.cols,
  }));
}

/** One epoch: an Adam step on every batch, in an order drawn from `rng`. */
function runEpoch(net: Net, batches: Batch[], rng: Rng, decay: number, signal?: AbortSignal): void {
  const perm = rng.shuffle(Int32Array.from({ length: batches.length }, (_, i) => i));
  for (const [step, bi] of perm.entries()) {
    // Also within long epochs (big dumps on native backends): a cancel lands within ~64 steps.
    if (step > 0 && step % 64 === 0) throwIfCancelled(signal);
    const b = batches[bi];
    tf.tidy(() => {
      net.optimizer.minimize(() => {
        const logits = forward(unpack(net), b.x, b.xT);
        const ce = tf.neg(tf.mean(tf.sum(tf.mul(b.y, tf.logSoftmax(logits)), 1)));
        if (!decay) return ce as tf.Scalar;
        return tf.add(ce, tf.mul(tf.sum(tf.square(net.theta)), decay)) as tf.Scalar;
      });
    });
  }
}

/** Epochs until the validation loss stops improving (`patience`); returns the best weights seen. */
function trainEpochs(
  net: Net,
  batches: Batch[],
  rng: Rng,
  decay: number,
  valLoss: () => number,
  opts: ProbeOptions,
  initial: Probe,
): Probe {
  let best = initial;
  let stale = 0;
  for (let epoch = 1; epoch <= opts.maxEpochs; epoch++) {
    throwIfCancelled(opts.signal);
    runEpoch(net, batches, rng, decay, opts.signal);
    const loss = valLoss();
    opts.onEpoch?.(epoch);
    if (loss < best.valLoss - 1e-4) {
      best = { weights: snapshot(net), temperature: 1, epochs: epoch, valLoss: loss };
      stale = 0;
    } else {
      stale++;
      if (stale === Math.ceil(opts.patience / 2)) setLearningRate(net.optimizer, opts.lr / 4); // plateau: finer steps
      if (stale >= opts.patience) break;
    }
  }
  return best;
}

function disposeTraining(net: Net, batches: Batch[], xValT: tf.Tensor2D | undefined): void {
  for (const b of batches) {
    b.x.dispose();
    b.xT.dispose();
    b.y.dispose();
  }
  net.theta.dispose();
  net.optimizer.dispose();
  xValT?.dispose();
}

export function trainProbe(
  x: Float32Array,
  d: number,
  y: Int32Array,
  K: number,
  train: Int32Array,
  val: Int32Array,
  opts: ProbeOptions,
): Probe {
  // rng draws in this order: initial weights, the batches' rows, then each epoch's batch order.
  const rng = new Rng(opts.seed);
  const { layout, init } = flatNet([d, ...opts.hidden, K], rng);
  const theta = tf.variable(tf.tensor1d(init));
  const net: Net = { theta, layout, optimizer: tf.train.adam(opts.lr) };
  const decay = opts.weightDecay * Math.min(1, (opts.decayRows ?? Infinity) / train.length);
  const batches = minibatches(x, d, y, K, rng.shuffle(Int32Array.from(train)), opts.batch);
  const xVal = gatherRows(x, d, val);
  const yVal = Int32Array.from(val, (r) => y[r]);
  const xValT = val.length ? tf.tensor2d(xVal, [val.length, d]) : undefined;
  // Validation runs on the live variables; weights are copied out only when they improve.
  const valLoss = () => (!xValT ? 0 : nll(readAndDispose(tf.tidy(() => forward(unpack(net), xValT))), yVal, K, 1));
  let best: Probe = { weights: snapshot(net), temperature: 1, epochs: 0, valLoss: Infinity };
  try {
    best = trainEpochs(net, batches, rng, decay, valLoss, opts, best);
  } finally {
    disposeTraining(net, batches, xValT);
  }
  if (val.length >= MIN_CALIBRATION_ROWS) {
    const logits = probeLogits(best, xVal, val.length, d);
    best.temperature = fitTemperature(logits, yVal, K);
    best.valLoss = nll(logits, yVal, K, best.temperature);
  }
  return best;
}
