import * as tf from '@tensorflow/tfjs-core';
import { readAndDispose } from './tensors';
import { Rng } from './rng';
import { Features, forBlocks, gather } from './rows';
import { throwIfCancelled } from './progress';
import {
  Adam,
  Batch,
  FlatNet,
  LayerTensors,
  batchGradient,
  disposeLayers,
  flatNet,
  forward,
  layerTensors,
} from './mlp';

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
  patience: 2,
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

/** Runs `use` on tensors of the probe's layers, freed after it (also those made before a failure). */
function withLayers<T>(p: Probe, use: (layers: LayerTensors[]) => T): T {
  const layers: LayerTensors[] = [];
  try {
    for (const l of p.weights) {
      const w = tf.tensor2d(l.w, [l.rows, l.cols]);
      try {
        layers.push({ w, b: tf.tensor1d(l.b) });
      } catch (e) {
        w.dispose();
        throw e;
      }
    }
    return use(layers);
  } finally {
    disposeLayers(layers);
  }
}

/** Logits [n x K] of the rows x [n x d] (already gathered). */
export function probeLogits(p: Probe, x: Float32Array, n: number, d: number): Float32Array {
  return withLayers(p, (layers) => logitsOf(layers, x, n, d));
}

/** Logits [rows x K] of the given rows of x, gathered a block at a time (never all of them at once). */
export function probeLogitsAt(p: Probe, x: Features, rows: Int32Array): Float32Array {
  return withLayers(p, (layers) => {
    const K = layers[layers.length - 1].b.shape[0];
    const out = new Float32Array(rows.length * K);
    forBlocks(rows, x.dim, (block, at) => out.set(logitsOf(layers, gather(x, block), block.length, x.dim), at * K));
    return out;
  });
}

/** Logits [n x K] of the rows x [n x d], 4,096 rows at a time. */
function logitsOf(layers: LayerTensors[], x: Float32Array, n: number, d: number): Float32Array {
  const K = layers[layers.length - 1].b.shape[0];
  const all = new Float32Array(n * K);
  const chunk = 4096;
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const xb = tf.tensor2d(x.subarray(s * d, (s + m) * d), [m, d]);
    try {
      all.set(readAndDispose(forward(layers, xb)), s * K);
    } finally {
      xb.dispose();
    }
  }
  return all;
}

/** Validation loss of the live weights (no copy of them: a copy is made only when they improve). */
function liveValLoss(net: FlatNet, xVal: Float32Array, yVal: Int32Array, d: number, K: number): number {
  if (!yVal.length) return 0;
  const layers = layerTensors(net);
  try {
    return nll(logitsOf(layers, xVal, yVal.length, d), yVal, K, 1);
  } finally {
    disposeLayers(layers);
  }
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

/** Below this many validation rows a fitted temperature is noise: keep t = 1. */
export const MIN_CALIBRATION_ROWS = 200;

/**
 * Above this many training values a task's batches are cut when used instead of kept as
 * tensors (x and x^T, twice the training rows per thread): at 100k x 512 kept batches
 * would hold ~600 MB per thread in the wasm heap.
 */
const KEEP_BATCH_VALUES = 8 << 20;

/** Fixed random minibatches (their order reshuffled each epoch), kept as tensors while they are small. */
class Batches {
  readonly count: number;
  private readonly kept: Batch[] = [];

  constructor(
    private readonly x: Features,
    private readonly y: Int32Array,
    private readonly order: Int32Array,
    batchSize: number,
  ) {
    // Small data still gets ~32 Adam steps per epoch: with a fixed batch it would stop after a few dozen steps.
    const batch = Math.max(16, Math.min(batchSize, Math.ceil(order.length / 32)));
    this.count = Math.max(1, Math.round(order.length / batch));
    if (order.length * x.dim > KEEP_BATCH_VALUES) return;
    try {
      for (let b = 0; b < this.count; b++) this.kept.push(this.build(b));
    } catch (e) {
      this.dispose(); // the wasm heap outlives this fit (pool threads persist)
      throw e;
    }
  }

  private build(b: number): Batch {
    const { order, count } = this;
    const rows = order.subarray(Math.floor((b * order.length) / count), Math.floor(((b + 1) * order.length) / count));
    const x = tf.tensor2d(gather(this.x, rows), [rows.length, this.x.dim]);
    try {
      return { x, xT: tf.transpose(x), y: Int32Array.from(rows, (r) => this.y[r]) };
    } catch (e) {
      x.dispose();
      throw e;
    }
  }

  /** Runs `step` on batch b; a batch built for the call is freed after it. */
  use<T>(b: number, step: (batch: Batch) => T): T {
    if (this.kept.length) return step(this.kept[b]);
    const batch = this.build(b);
    try {
      return step(batch);
    } finally {
      batch.x.dispose();
      batch.xT.dispose();
    }
  }

  dispose(): void {
    for (const b of this.kept) {
      b.x.dispose();
      b.xT.dispose();
    }
  }
}

/** A copy of the current weights, per layer. */
function snapshot(net: FlatNet): Probe['weights'] {
  return net.layout.map((l) => ({
    w: net.theta.slice(l.w, l.w + l.rows * l.cols),
    b: net.theta.slice(l.b, l.b + l.cols),
    rows: l.rows,
    cols: l.cols,
  }));
}

/** The weights of a probe as one flat array in mlp.ts's layout (each layer's w, then b). */
export function flatWeights(p: Probe): Float32Array {
  const out = new Float32Array(p.weights.reduce((a, l) => a + l.w.length + l.b.length, 0));
  let at = 0;
  for (const l of p.weights) {
    out.set(l.w, at);
    out.set(l.b, at + l.w.length);
    at += l.w.length + l.b.length;
  }
  return out;
}

interface Training {
  net: FlatNet;
  adam: Adam;
  grad: Float32Array;
  batches: Batches;
  K: number;
  decay: number;
}

/** One epoch: an Adam step on every batch, in an order drawn from `rng`. */
function runEpoch(tr: Training, rng: Rng, signal?: AbortSignal): void {
  const perm = rng.shuffle(Int32Array.from({ length: tr.batches.count }, (_, i) => i));
  for (const [step, bi] of perm.entries()) {
    // Also within long epochs (big dumps on native backends): a cancel lands within ~64 steps.
    if (step > 0 && step % 64 === 0) throwIfCancelled(signal);
    tr.batches.use(bi, (b) => batchGradient(tr.net, b, tr.K, 0, tr.grad)); // its loss is not used
    tr.adam.step(tr.net.theta, tr.grad, tr.decay);
  }
}

/** Epochs until the validation loss stops improving (`patience`); returns the best weights seen. */
function trainEpochs(tr: Training, rng: Rng, valLoss: () => number, opts: ProbeOptions, initial: Probe): Probe {
  let best = initial;
  let stale = 0;
  for (let epoch = 1; epoch <= opts.maxEpochs; epoch++) {
    throwIfCancelled(opts.signal);
    runEpoch(tr, rng, opts.signal);
    const loss = valLoss();
    opts.onEpoch?.(epoch);
    if (loss < best.valLoss - 1e-4) {
      best = { weights: snapshot(tr.net), temperature: 1, epochs: epoch, valLoss: loss };
      stale = 0;
    } else {
      stale++;
      if (stale === Math.ceil(opts.patience / 2)) tr.adam.lr = opts.lr / 4; // plateau: finer steps
      if (stale >= opts.patience) break;
    }
  }
  return best;
}

export function trainProbe(
  x: Features,
  y: Int32Array,
  K: number,
  train: Int32Array,
  val: Int32Array,
  opts: ProbeOptions,
  init?: Float32Array,
): Probe {
  // rng draws in this order: initial weights, the batches' rows, then each epoch's batch order.
  const rng = new Rng(opts.seed);
  const d = x.dim;
  const net = flatNet([d, ...opts.hidden, K], rng);
  // Warm: the previous checkpoint's weights (warm-solutions.ts), kept if no epoch beats them.
  const fresh = init?.length === net.theta.length && val.length > 0 ? net.theta.slice() : undefined;
  if (fresh) net.theta.set(init!);
  const decay = opts.weightDecay * Math.min(1, (opts.decayRows ?? Infinity) / train.length);
  const order = rng.shuffle(Int32Array.from(train));
  const xVal = gather(x, val);
  const yVal = Int32Array.from(val, (r) => y[r]);
  const valLoss = () => liveValLoss(net, xVal, yVal, d, K);
  let start = fresh ? valLoss() : Infinity;
  if (fresh && !Number.isFinite(start)) {
    net.theta.set(fresh); // a start that predicts nothing finite: cold after all
    start = Infinity;
  }
  let best: Probe = { weights: snapshot(net), temperature: 1, epochs: 0, valLoss: start };
  const batches = new Batches(x, y, order, opts.batch); // disposes what it made if it fails
  try {
    const adam = new Adam(net.theta.length, opts.lr);
    const tr: Training = { net, adam, grad: new Float32Array(net.theta.length), batches, K, decay };
    best = trainEpochs(tr, rng, valLoss, opts, best);
  } finally {
    batches.dispose();
  }
  if (val.length >= MIN_CALIBRATION_ROWS) {
    const logits = probeLogits(best, xVal, val.length, d);
    best.temperature = fitTemperature(logits, yVal, K);
    best.valLoss = nll(logits, yVal, K, best.temperature);
  }
  return best;
}
