import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend, BackendInfo } from '../src/core/backend';
import { analyze } from '../src/core/estimator';
import { DEFAULT_LINEAR, linearLogProbs, trainLinear } from '../src/core/logistic';
import { Objective, TF_WORK } from '../src/core/logistic-objective';
import { directOps, engineOps } from '../src/core/step-ops';
import { Rng } from '../src/core/rng';
import { syntheticSet } from '../src/core/synthetic/sets';
import { synthDump } from '../src/core/synthetic/dump';
import { sideBySide } from '../src/core/rows';
import { lbfgs } from '../src/core/lbfgs';

let backend: BackendInfo;
before(async () => {
  backend = await initBackend('auto');
});

/** n rows of x ~ N(0, I_d) with y drawn from softmax(x W + b); also the true log p(y|x). */
function softmaxData(n: number, d: number, K: number, seed: number, scale = 1.5) {
  const rng = new Rng(seed);
  const w = Float64Array.from({ length: d * K }, () => (scale * rng.normal()) / Math.sqrt(d));
  const b = Float64Array.from({ length: K }, () => 0.5 * rng.normal());
  const x = new Float32Array(n * d),
    y = new Int32Array(n),
    logp = new Float64Array(n);
  const z = new Float64Array(K);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[i * d + j] = rng.normal();
    let m = -Infinity;
    for (let k = 0; k < K; k++) {
      z[k] = b[k];
      for (let j = 0; j < d; j++) z[k] += x[i * d + j] * w[j * K + k];
      m = Math.max(m, z[k]);
    }
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.exp(z[k] - m);
    let u = rng.next() * s,
      c = 0;
    while (c < K - 1 && (u -= Math.exp(z[c] - m)) > 0) c++;
    y[i] = c;
    logp[i] = z[c] - m - Math.log(s);
  }
  return { x, y, logp };
}

const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);

function heldOutCe(lp: Float32Array, y: Int32Array, rows: Int32Array, K: number): number {
  let s = 0;
  rows.forEach((r, i) => (s -= lp[i * K + y[r]]));
  return s / rows.length;
}

test("linear probe: recovers a known softmax model's held-out cross-entropy", () => {
  const d = 6,
    K = 5;
  const { x, y, logp } = softmaxData(12_000, d, K, 1);
  const fit = range(0, 6_000),
    val = range(6_000, 7_000),
    evalRows = range(7_000, 12_000);
  const m = trainLinear(sideBySide({ data: x, dim: d }), y, K, fit, val);
  const lp = linearLogProbs(m, sideBySide({ data: x, dim: d }), evalRows);
  const ce = heldOutCe(lp, y, evalRows, K);
  let truth = 0;
  for (const r of evalRows) truth -= logp[r];
  truth /= evalRows.length;
  // Expected excess (d + 1)(K - 1) / 2n = 0.002 nats; sampling noise of the difference ~0.003.
  assert.ok(
    ce - truth < 0.012 && ce - truth > -0.01,
    `held-out CE ${ce.toFixed(4)} vs the true model's ${truth.toFixed(4)}`,
  );
  assert.ok(m.excess > 0.001 && m.excess < 0.003, `excess estimate ${m.excess}`);
  // Rows of the output are normalised distributions.
  let s = 0;
  for (let k = 0; k < K; k++) s += Math.exp(lp[k]);
  assert.ok(Math.abs(s - 1) < 1e-5);
});

test('linear probe: classes rare or absent in the training rows get finite log-probabilities', () => {
  const d = 4,
    K = 6;
  const { x, y } = softmaxData(3_000, d, 4, 2); // labels 0..3 only
  const y2 = Int32Array.from(y);
  y2[10] = 4;
  y2[11] = 4; // class 4: two rows, both in fit; class 5: absent
  const fit = range(0, 2_000),
    val = range(2_000, 2_500),
    evalRows = range(2_500, 3_000);
  const m = trainLinear(sideBySide({ data: x, dim: d }), y2, K, fit, val);
  for (const v of [...m.w, ...m.b]) assert.ok(Number.isFinite(v));
  const lp = linearLogProbs(m, sideBySide({ data: x, dim: d }), evalRows);
  for (const v of lp) assert.ok(Number.isFinite(v) && v <= 0, `log p ${v}`);
  // The floor bounds the cost of a label the model never saw.
  for (let i = 0; i < evalRows.length; i++) assert.ok(lp[i * K + 5] >= Math.log(m.floor / K) - 1e-4);
});

test("linear probe: started from another fold's solution, the same strength and fit in fewer evaluations", () => {
  const d = 12,
    K = 6;
  const { x, y } = softmaxData(6_000, d, K, 11, 3);
  const X = sideBySide({ data: x, dim: d });
  // Two folds sharing three quarters of their training rows, as cross-fitting's do.
  const pilot = trainLinear(X, y, K, range(0, 4_000), range(4_000, 4_500));
  const [fit, val] = [range(1_000, 5_000), range(5_000, 5_500)];
  const cold = trainLinear(X, y, K, fit, val);
  const warm = trainLinear(X, y, K, fit, val, { start: { lambda: pilot.lambda, theta: pilot.theta } });
  assert.equal(
    warm.lambda,
    cold.lambda,
    `strengths ${cold.path.map((p) => p.lambda)} vs ${warm.path.map((p) => p.lambda)}`,
  );
  // The same optimum, reached within the L-BFGS tolerance (max gradient entry 1e-4) from two starts.
  assert.ok(Math.abs(warm.valLoss - cold.valLoss) < 1e-3, `validation loss ${warm.valLoss} vs ${cold.valLoss}`);
  for (let i = 0; i < cold.w.length; i++) assert.ok(Math.abs(warm.w[i] - cold.w[i]) < 0.02, `w[${i}]`);
  assert.ok(warm.evaluations < cold.evaluations, `${warm.evaluations} evaluations vs ${cold.evaluations}`);
  // Started at the strong end, the search walks weaker to the same strength.
  const strongest = DEFAULT_LINEAR.lambdas[0];
  const strong = trainLinear(X, y, K, fit, val, { start: { lambda: strongest, theta: pilot.theta } });
  assert.equal(strong.lambda, cold.lambda, `from ${strongest}: ${strong.path.map((p) => p.lambda)}`);
  // A start that does not fit (another width) is ignored: the full path.
  const odd = trainLinear(X, y, K, fit, val, { start: { lambda: 1e-3, theta: new Float64Array(5) } });
  assert.deepEqual(
    odd.path.map((p) => p.lambda),
    cold.path.map((p) => p.lambda),
  );
});

test('linear probe: K = 1000 classes on few rows runs and stays finite', () => {
  const d = 8,
    K = 1000,
    n = 1_100;
  const rng = new Rng(3);
  const x = Float32Array.from({ length: n * d }, () => rng.normal());
  // Every class once, then a few more: most classes have one training row, some none.
  const y = Int32Array.from({ length: n }, (_, i) => (i < 1_000 ? (i * 7) % K : rng.int(K)));
  for (let i = 0; i < n; i++) x[i * d + (y[i] % d)] += 1.5;
  const t0 = performance.now();
  const m = trainLinear(sideBySide({ data: x, dim: d }), y, K, range(0, 900), range(900, 1_000), {
    lambdas: [1e-1, 1e-2],
    maxIter: 60,
  });
  const lp = linearLogProbs(m, sideBySide({ data: x, dim: d }), range(1_000, 1_100));
  for (const v of lp) assert.ok(Number.isFinite(v));
  assert.ok(Number.isFinite(m.valLoss) && Number.isFinite(m.excess));
  console.log(
    `# K = 1000: ${((performance.now() - t0) / 1000).toFixed(1)} s, lambda ${m.lambda}, ${m.evaluations} evaluations`,
  );
});

test('model selection: linear on Gaussian classes (linear Bayes posterior), the MLP on XOR', async () => {
  const g = synthDump(syntheticSet('gaussian', { classes: 10 }), 3_000, 5).dump;
  const rg = await analyze(g, { seed: 0, folds: 3 }, backend);
  for (const p of rg.probes) {
    const linear = p.model!.filter((m) => m === 'linear').length;
    assert.ok(linear >= 2, `${p.modality}: ${p.model!.join(' ')}`);
    assert.equal(p.model!.length, 3);
    // Fold 0 (the pilot) fits both; where the linear one won it clearly, the others fit it alone.
    assert.ok(p.valLoss![0].linear !== undefined && p.valLoss![0].mlp !== undefined);
    assert.ok(p.valLoss!.every((v) => v.linear !== undefined));
  }
  const x = synthDump(syntheticSet('xor'), 2_000, 6).dump;
  const rx = await analyze(x, { seed: 0, folds: 3 }, backend);
  const joint = rx.probes.find((p) => p.modality === 'x1+x2')!;
  assert.deepEqual(joint.model, ['mlp', 'mlp', 'mlp']);
  assert.ok(joint.excess!.every((e) => e === 0));
  // Switching the linear candidate off leaves the MLP everywhere.
  const off = await analyze(x, { seed: 0, folds: 3, linearProbe: null }, backend);
  for (const p of off.probes) assert.deepEqual(p.model, ['mlp', 'mlp', 'mlp']);
});

test('linear objective: the wasm kernels called directly give the engine path its numbers, and free what they make', async (t) => {
  const tf = await import('@tensorflow/tfjs-core');
  if (tf.getBackend() !== 'wasm') {
    t.skip(`direct ops are for wasm; the backend here is ${tf.getBackend()}`);
    return;
  }
  const [n, d, K] = [3000, 20, 10]; // n d K above TF_WORK: the tfjs path
  assert.ok(n * d * K > TF_WORK);
  const { x, y } = softmaxData(n, d, K, 5);
  const rows = range(0, n);
  const direct = directOps();
  assert.ok(direct, 'softmax and sub are registered on wasm');
  const xs = sideBySide({ data: x, dim: d });
  const [a, b] = [new Objective(xs, y, K, rows, engineOps), new Objective(xs, y, K, rows, direct)];
  const theta = Float64Array.from({ length: (d + 1) * K }, (_, i) => 0.05 * Math.sin(i));
  const [ga, gb] = [new Float64Array(theta.length), new Float64Array(theta.length)];
  const fa = a.eval(theta, 1e-3, ga);
  b.eval(theta, 1e-3, gb); // its row of ones for n rows is kept
  const before = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
  const fb = b.eval(theta, 1e-3, gb);
  assert.equal(fb, fa);
  assert.deepEqual(gb, ga, 'the same kernels, the same numbers');
  assert.equal(
    (tf.backend() as unknown as { numDataIds(): number }).numDataIds(),
    before,
    'nothing left on the backend',
  );
  // The gradient is the loss's: a central difference along it.
  const norm = Math.hypot(...ga);
  const step = Float64Array.from(ga, (v) => (1e-3 * v) / norm);
  const at = (s: number) =>
    b.eval(
      Float64Array.from(theta, (v, i) => v + s * step[i]),
      1e-3,
      new Float64Array(theta.length),
    );
  const slope = (at(1) - at(-1)) / 2e-3;
  assert.ok(Math.abs(slope - norm) < 1e-3 * norm + 1e-5, `directional derivative ${slope} vs |g| ${norm}`);
  a.dispose();
  b.dispose();
});

test("linear objective: rows in blocks, some kept and some uploaded per evaluation, give one block's numbers", async () => {
  const tf = await import('@tensorflow/tfjs-core');
  const [n, d, K] = [3000, 20, 10];
  const { x, y } = softmaxData(n, d, K, 6);
  const xs = sideBySide({ data: x, dim: d });
  const rows = range(0, n);
  const ids = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
  const whole = new Objective(xs, y, K, rows);
  // 10,000 values a block: 6 blocks of 500 rows; two kept, four gathered at each evaluation.
  const blocked = new Objective(xs, y, K, rows, undefined, { block: 10_000, resident: 20_000 });
  const theta = Float64Array.from({ length: (d + 1) * K }, (_, i) => 0.05 * Math.cos(i));
  const [g1, g2] = [new Float64Array(theta.length), new Float64Array(theta.length)];
  const f1 = whole.eval(theta, 1e-3, g1);
  blocked.eval(theta, 1e-3, g2);
  const kept = ids();
  const f2 = blocked.eval(theta, 1e-3, g2);
  assert.equal(ids(), kept, 'the streamed blocks are freed after each evaluation');
  assert.ok(Math.abs(f1 - f2) < 1e-6 * f1, `f ${f1} vs ${f2}`);
  const scale = Math.max(...g1.map(Math.abs));
  for (let i = 0; i < g1.length; i++)
    assert.ok(Math.abs(g1[i] - g2[i]) < 1e-5 * scale, `gradient ${i}: ${g1[i]} vs ${g2[i]}`);
  // L-BFGS on the blocked objective lands where it does on the whole one.
  const [t1, t2] = [new Float64Array(theta.length), new Float64Array(theta.length)];
  lbfgs(whole, t1, 1e-3, DEFAULT_LINEAR);
  lbfgs(blocked, t2, 1e-3, DEFAULT_LINEAR);
  const far = Math.max(...t1.map((v, i) => Math.abs(v - t2[i])));
  assert.ok(far < 1e-3 * Math.max(...t1.map(Math.abs)), `solutions differ by ${far}`);
  whole.dispose();
  blocked.dispose();
  // x, x^T and labels of the whole one's block and the two kept ones (the rows of ones for sums stay cached).
  assert.equal(ids(), kept - 9, 'dispose frees the kept blocks');
});
