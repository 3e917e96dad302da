import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/core/backend';
import { takeFlops } from '../src/core/flops';
import { matMul as jsMatMul } from '../src/core/linalg';
import { matMul } from '../src/core/tensors';
import { runTask, Task } from '../src/core/tasks';
import { Rng } from '../src/core/rng';
import { sideBySide } from '../src/core/rows';

before(async () => {
  await initBackend('auto');
});

test('a product counts 2nmp flops, on tfjs and in JS; takeFlops reads and resets', () => {
  takeFlops();
  tf.tidy(() => matMul(tf.zeros([3, 4]), tf.zeros([4, 5])));
  assert.equal(takeFlops(), 2 * 3 * 4 * 5);
  assert.equal(takeFlops(), 0);
  jsMatMul(new Float64Array(6), new Float64Array(6), 2, 3, 2);
  assert.equal(takeFlops(), 2 * 2 * 3 * 2);
});

test('a task reports its own arithmetic: the same for the same task, none of what ran before it', () => {
  const rng = new Rng(3);
  const n = 600,
    d = 8,
    K = 3;
  const y = Int32Array.from({ length: n }, () => rng.int(K));
  const x = Float32Array.from({ length: n * d }, (_, i) => rng.normal() + (i % d === y[Math.floor(i / d)] ? 2 : 0));
  const rows = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);
  const task: Task = {
    kind: 'probe',
    x: sideBySide({ data: x, dim: d }),
    y,
    classes: K,
    fit: rows(0, 400),
    val: rows(400, 480),
    evalRows: rows(480, n),
    options: { hidden: [16], maxEpochs: 5, batch: 64, lr: 3e-3, weightDecay: 0, decayRows: 1500, patience: 2, seed: 1 },
    linear: null,
  };
  const first = runTask(task);
  tf.tidy(() => matMul(tf.zeros([100, 100]), tf.zeros([100, 100]))); // work outside any task
  const second = runTask(task);
  assert.ok(first.flops! > 0, `flops ${first.flops}`);
  assert.equal(second.flops, first.flops);
  // At least the training epochs' forward products: 2 x rows x (d x 16 + 16 x K) per epoch.
  const perEpoch = 2 * 400 * (d * 16 + 16 * K);
  assert.ok(first.flops! >= perEpoch, `${first.flops} >= ${perEpoch}`);
});
