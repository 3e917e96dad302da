import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/core/backend';
import { Adam, batchGradient, flatNet, softmaxGradient } from '../src/core/mlp';
import { DEFAULT_PROBE, logProbFromLogits, probeLogitsAt, trainProbe } from '../src/core/probe';
import { Rng } from '../src/core/rng';
import { directOps, engineOps } from '../src/core/step-ops';
import { sideBySide } from '../src/core/rows';

before(async () => {
  await initBackend('auto');
});

/** Loss of the net on a batch (what batchGradient differentiates). */
function lossAt(net: ReturnType<typeof flatNet>, x: tf.Tensor2D, y: Int32Array, K: number, decay: number): number {
  const grad = new Float32Array(net.theta.length);
  return batchGradient(net, { x, xT: tf.transpose(x), y }, K, decay, grad);
}

test('the hand-written backward pass matches finite differences of the loss', () => {
  const rng = new Rng(3);
  const [n, d, K] = [24, 5, 3];
  const net = flatNet([d, 7, 6, K], rng);
  // Biases away from zero so no ReLU sits at its kink for the differences.
  for (const l of net.layout) for (let j = 0; j < l.cols; j++) net.theta[l.b + j] = 0.3 * rng.normal();
  const x = tf.tensor2d(
    Float32Array.from({ length: n * d }, () => rng.normal()),
    [n, d],
  );
  const y = Int32Array.from({ length: n }, () => rng.int(K));
  const decay = 0.01;
  const grad = new Float32Array(net.theta.length);
  batchGradient(net, { x, xT: tf.transpose(x), y }, K, decay, grad);
  let worst = 0;
  for (let i = 0; i < net.theta.length; i += 3) {
    const keep = net.theta[i];
    const h = 1e-2;
    net.theta[i] = keep + h;
    const up = lossAt(net, x, y, K, decay);
    net.theta[i] = keep - h;
    const down = lossAt(net, x, y, K, decay);
    net.theta[i] = keep;
    worst = Math.max(worst, Math.abs((up - down) / (2 * h) - grad[i]));
  }
  assert.ok(worst < 2e-3, `largest gradient error ${worst}`);
  x.dispose();
});

test('direct wasm kernel calls give the gradient the tfjs engine gives, and free what they make', (t) => {
  if (tf.getBackend() !== 'wasm') {
    t.skip(`direct ops are for wasm; the backend here is ${tf.getBackend()}`);
    return;
  }
  const direct = directOps();
  assert.ok(direct, 'every kernel the step needs is registered on wasm');
  const rng = new Rng(4);
  const [n, d, K] = [40, 9, 4];
  const net = flatNet([d, 8, 8, K], rng);
  const x = tf.tensor2d(
    Float32Array.from({ length: n * d }, () => rng.normal()),
    [n, d],
  );
  const xT = tf.transpose(x);
  const y = Int32Array.from({ length: n }, () => rng.int(K));
  const [a, b] = [new Float32Array(net.theta.length), new Float32Array(net.theta.length)];
  const la = batchGradient(net, { x, xT, y }, K, 0.01, a, engineOps);
  batchGradient(net, { x, xT, y }, K, 0.01, b, direct); // its row of ones for this batch size is kept
  const before = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
  const lb = batchGradient(net, { x, xT, y }, K, 0.01, b, direct);
  assert.equal(la, lb);
  assert.deepEqual(b, a, 'the same kernels, the same numbers');
  assert.ok(a.some((v) => v !== 0));
  assert.equal(
    (tf.backend() as unknown as { numDataIds(): number }).numDataIds(),
    before,
    'nothing left on the backend',
  );
  x.dispose();
  xT.dispose();
});

test('softmax cross-entropy gradient: rows sum to zero and the loss is -log p(y)', () => {
  const z = Float32Array.from([0, Math.log(3), 1, 1]);
  const { loss, dz } = softmaxGradient(z, Int32Array.from([1, 0]), 2);
  assert.ok(Math.abs(loss - (-Math.log(0.75) + Math.log(2)) / 2) < 1e-6);
  assert.ok(Math.abs(dz[0] + dz[1]) < 1e-7 && Math.abs(dz[2] + dz[3]) < 1e-7);
  assert.ok(Math.abs(dz[1] - (0.75 - 1) / 2) < 1e-6);
});

test('Adam takes the bias-corrected first step of size lr against the gradient', () => {
  const theta = Float32Array.from([1, -2]);
  new Adam(2, 0.1).step(theta, Float32Array.from([5, -0.01]));
  assert.ok(Math.abs(theta[0] - 0.9) < 1e-5 && Math.abs(theta[1] + 1.9) < 1e-4, `${theta}`);
});

test('the MLP probe learns XOR, which no linear model can', () => {
  const rng = new Rng(5);
  const n = 1200;
  const x = new Float32Array(n * 2),
    y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng.int(2),
      b = rng.int(2);
    x[2 * i] = a + 0.1 * rng.normal();
    x[2 * i + 1] = b + 0.1 * rng.normal();
    y[i] = a ^ b;
  }
  const rows = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
  const xs = sideBySide({ data: x, dim: 2 });
  const p = trainProbe(xs, y, 2, rows(0, 800), rows(800, 1000), { ...DEFAULT_PROBE, seed: 1 });
  const lp = logProbFromLogits(probeLogitsAt(p, xs, rows(1000, 1200)), y.subarray(1000), 2, p.temperature);
  const ce = -lp.reduce((s, v) => s + v, 0) / lp.length;
  // log 2 = 0.693 is what a linear model gets; the noise leaves the classes separable.
  assert.ok(ce < 0.1, `held-out cross-entropy ${ce}`);
  assert.ok(p.epochs >= 1 && p.valLoss < 0.1);
});
