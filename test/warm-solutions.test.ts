import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend, BackendInfo } from '../src/core/backend';
import { Result, analyze } from '../src/core/estimator';
import { resultToJson } from '../src/core/report';
import { syntheticSet } from '../src/core/synthetic/sets';
import { synthDump } from '../src/core/synthetic/dump';
import { symmetricEigen, topEigen } from '../src/core/linalg';
import { WarmSolutions, fitKey, mlpStart, rowsKey, warmEpochBudget } from '../src/core/warm-solutions';
import { netSize } from '../src/core/mlp';
import { randomOrthogonal } from '../src/core/synthetic/mixture';
import { DEFAULT_PROBE } from '../src/core/probe';
import { WarmStarts } from '../src/worker/warm-starts';
import { Rng } from '../src/core/rng';
import type { Dump } from '../src/io/dump';

let backend: BackendInfo;
before(async () => {
  backend = await initBackend('auto');
});

/** A symmetric positive definite n x n matrix with a decaying spectrum. */
function spd(n: number, rng: Rng, decay = 8): Float64Array {
  const g = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += g[r * n + i] * g[r * n + j] * Math.exp(-r / decay);
      a[i * n + j] = s;
    }
  return a;
}

test('topEigen (Cholesky QR steps) finds the exact top eigenpairs, cold or from given axes', () => {
  const n = 100,
    k = 6;
  const a = spd(n, new Rng(3));
  const exact = symmetricEigen(a, n);
  const check = (e: ReturnType<typeof topEigen>, what: string) => {
    for (let c = 0; c < k; c++) {
      assert.ok(Math.abs(e.values[c] / exact.values[c] - 1) < 1e-8, `${what} value ${c}`);
      let dot = 0;
      for (let r = 0; r < n; r++) dot += e.vectors[r * k + c] * exact.vectors[r * n + c];
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-6, `${what} vector ${c}: |dot| ${Math.abs(dot)}`);
    }
  };
  check(topEigen(a, n, k, { iters: 60 }), 'cold');
  // From the exact axes two iterations are enough; a start of the wrong shape is ignored.
  const start = new Float64Array(n * k);
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) start[r * k + c] = exact.vectors[r * n + c];
  check(topEigen(a, n, k, { iters: 2, start: { vectors: start, cols: k } }), 'warm');
  check(topEigen(a, n, k, { iters: 60, start: { vectors: start.subarray(1), cols: k } }), 'bad start');
  // Products rounded to float32 (as on tfjs), on a spectrum spanning ~40 decades: Cholesky QR's
  // steps (and the orthonormality check before Rayleigh-Ritz) still give the top eigenvalues.
  const f32 = (v: Float64Array) => Float64Array.from(Float32Array.from(v));
  const mul = (x: Float64Array, y: Float64Array, r: number, m: number, c: number) => {
    const out = new Float64Array(r * c);
    for (let i = 0; i < r; i++)
      for (let j = 0; j < m; j++) for (let l = 0; l < c; l++) out[i * c + l] += x[i * m + j] * y[j * c + l];
    return f32(out);
  };
  const steep = spd(n, new Rng(6), 1);
  const exactSteep = symmetricEigen(steep, n);
  const e = topEigen(steep, n, k, {
    iters: 60,
    mulA: (q, p) => mul(f32(steep), f32(q), n, n, p),
    mulRight: (q, m, p, c) => mul(f32(q), f32(m), n, p, c),
  });
  for (let c = 0; c < k; c++)
    assert.ok(Math.abs(e.values[c] / exactSteep.values[c] - 1) < 1e-4, `float32 products: value ${c}`);
});

test('MLP weights start the next checkpoint only for the same samples and fit rows, mapped onto turned axes', () => {
  const rng = new Rng(5);
  const [dz, p, h, K] = [12, 4, 5, 3];
  // Old probe axes: orthonormal columns times 1.5; new ones: the same span turned, at scale 2.
  const old = randomOrthogonal(dz, rng); // its first p columns
  const basisOld = new Float32Array(dz * p);
  for (let r = 0; r < dz; r++) for (let c = 0; c < p; c++) basisOld[r * p + c] = old[r * dz + c] * 1.5;
  const turn = randomOrthogonal(p, rng);
  const basisNew = new Float32Array(dz * p);
  for (let r = 0; r < dz; r++)
    for (let c = 0; c < p; c++) {
      let s = 0;
      for (let j = 0; j < p; j++) s += old[r * dz + j] * turn[j * p + c];
      basisNew[r * p + c] = s * 2;
    }
  const size = netSize([p, h, K]);
  const theta = Float32Array.from({ length: size }, () => rng.normal());
  const fold = { fit: Int32Array.from([0, 2, 3, 5]) };
  const dump = { n: 6, y: Int32Array.from([0, 1, 2, 0, 1, 2]), ids: [11, 12, 13, 14, 15, 16] };
  const prev: WarmSolutions = {
    rows: rowsKey(dump),
    axes: new Map([['x1', { dz, probe: { basis: basisOld, p } }]]),
    mlp: new Map([['x1', [{ fit: fitKey(fold), theta, dims: [p], hidden: h, epochs: 7 }]]]),
  };
  const now = [{ dz, probe: { basis: basisNew, p } }];
  const started = mlpStart(prev, rowsKey(dump), 'x1', ['x1'], now, 0, fold, size)!;
  assert.ok(started, 'a start for the same samples and rows');
  assert.equal(started.epochs, 7, "the source fit's epochs come along");
  const start = started.theta;
  // The first layer sees z B: z B_new W_new must equal z B_old W_old for any z-scores.
  const z = Float64Array.from({ length: dz }, () => rng.normal());
  for (let j = 0; j < h; j++) {
    let a = 0,
      b = 0;
    for (let c = 0; c < p; c++) {
      let zo = 0,
        zn = 0;
      for (let r = 0; r < dz; r++) {
        zo += z[r] * basisOld[r * p + c];
        zn += z[r] * basisNew[r * p + c];
      }
      a += zo * theta[c * h + j];
      b += zn * start[c * h + j];
    }
    assert.ok(Math.abs(a - b) < 1e-4 * Math.max(1, Math.abs(a)), `unit ${j}: ${a} vs ${b}`);
  }
  assert.deepEqual(start.subarray(p * h), theta.subarray(p * h), 'the other layers as they were');
  // Never where a row may have changed folds or samples: a model that saw a label must not predict it held out.
  const shuffled = { ...dump, y: Int32Array.from([1, 0, 2, 0, 1, 2]) };
  assert.equal(mlpStart(prev, rowsKey(shuffled), 'x1', ['x1'], now, 0, fold, size), undefined, 'other labels');
  const ids = { ...dump, ids: [11, 12, 13, 14, 16, 15] };
  assert.equal(mlpStart(prev, rowsKey(ids), 'x1', ['x1'], now, 0, fold, size), undefined, 'other ids');
  // Without ids the same labels in the same order are not the same samples (a class-sorted
  // subset drawn again has them too): no key, no start.
  assert.equal(rowsKey({ n: 6, y: dump.y }), undefined);
  assert.equal(mlpStart(prev, undefined, 'x1', ['x1'], now, 0, fold, size), undefined, 'no ids');
  const otherFit = { fit: Int32Array.from([0, 2, 3, 4]) };
  assert.equal(mlpStart(prev, prev.rows, 'x1', ['x1'], now, 0, otherFit, size), undefined, 'other fit rows');
  assert.equal(mlpStart(prev, prev.rows, 'x1', ['x1'], now, 1, fold, size), undefined, 'no weights for that fold');
  assert.equal(mlpStart(prev, prev.rows, 'x1', ['x1'], now, 0, fold, size + 1), undefined, 'other layout');
  const wider = [{ dz: dz + 1, probe: { basis: new Float32Array((dz + 1) * p), p } }];
  assert.equal(mlpStart(prev, prev.rows, 'x1', ['x1'], wider, 0, fold, size), undefined, 'other columns');
});

/** The same samples one "epoch" on: every feature moved a little. */
function nudged(d: Dump, seed: number): Dump {
  const rng = new Rng(seed);
  return {
    ...d,
    file: `${d.file}-next`,
    modalities: d.modalities.map((m) => ({ ...m, data: m.data.map((v) => v + 0.1 * rng.normal()) })),
  };
}

const epochsOf = (r: Result) => r.probes.flatMap((p) => p.epochs ?? []).reduce((a, b) => a + b, 0);

test('a warm analysis starts its MLPs from the last checkpoint weights: fewer epochs, the same estimates', async () => {
  const plain = synthDump(syntheticSet('xor'), 2_000, 31).dump;
  const first: Dump = { ...plain, ids: Array.from({ length: plain.n }, (_, i) => 7_000 + i) };
  const next = nudged(first, 32);
  const settings = { seed: 0, folds: 3 };
  let solutions: WarmSolutions | undefined;
  const a = await analyze(first, settings, backend, { onSolutions: (s) => (solutions = s) });
  assert.ok(solutions, 'the analysis leaves its solutions');
  const joint = solutions.mlp.get('x1+x2');
  assert.equal(joint?.filter(Boolean).length, 3, 'weights for every fold of the joint MLP');
  assert.ok([...solutions.axes.values()].every((x) => x.dz > 0));
  const previous = resultToJson(a, false);
  const choices = await analyze(next, settings, backend, { previous });
  const warm = await analyze(next, settings, backend, { previous, solutions });
  assert.ok(
    epochsOf(warm) < epochsOf(choices),
    `MLP epochs to the best: warm ${epochsOf(warm)}, from choices only ${epochsOf(choices)}`,
  );
  for (const k of ['R', 'U1', 'U2', 'S'] as const)
    assert.ok(
      Math.abs(warm.main.dataset[k] - choices.main.dataset[k]) < 0.02,
      `${k}: warm ${warm.main.dataset[k]} vs ${choices.main.dataset[k]}`,
    );
  // Rows in another order are other samples per row: no weights may start them (exactly the
  // analysis without solutions; the axes may still start the scaling).
  const order = Int32Array.from({ length: next.n }, (_, i) => i);
  new Rng(9).shuffle(order);
  const permuted: Dump = {
    ...next,
    y: Int32Array.from(order, (i) => next.y[i]),
    ids: Array.from(order, (i) => next.ids![i]),
    modalities: next.modalities.map((m) => {
      const data = new Float32Array(m.data.length);
      order.forEach((src, dst) => data.set(m.data.subarray(src * m.dim, (src + 1) * m.dim), dst * m.dim));
      return { ...m, data };
    }),
  };
  const pChoices = await analyze(permuted, settings, backend, { previous });
  const pWarm = await analyze(permuted, settings, backend, { previous, solutions });
  assert.deepEqual(
    pWarm.probes.map((p) => p.valLoss),
    pChoices.probes.map((p) => p.valLoss),
    'the same fits as without the previous weights',
  );
  // Without ids, the same: the rows cannot be told to be the same samples.
  const noIds: Dump = { ...next, ids: undefined };
  let bare: WarmSolutions | undefined;
  const b = await analyze({ ...first, ids: undefined }, settings, backend, { onSolutions: (s) => (bare = s) });
  assert.equal(bare?.rows, undefined);
  assert.equal(bare?.mlp.size, 0, 'no weights kept without ids');
  assert.ok(bare && bare.axes.size === 2, 'the axes are kept: they never see a label');
  const nChoices = await analyze(noIds, settings, backend, { previous: resultToJson(b, false) });
  const nWarm = await analyze(noIds, settings, backend, { previous: resultToJson(b, false), solutions: bare });
  assert.deepEqual(
    nWarm.probes.map((p) => p.epochs),
    nChoices.probes.map((p) => p.epochs),
  );
});

test("a fit started from last checkpoint's weights trains at most its cold source's epochs plus patience", async () => {
  assert.equal(warmEpochBudget(6, 2), 8);
  assert.equal(warmEpochBudget(0, 2), 4, 'at least twice the patience');
  // The same samples with other features: the weights are a poor start, and the fits run on.
  const plain = synthDump(syntheticSet('xor'), 2_000, 31).dump;
  const first: Dump = { ...plain, ids: Array.from({ length: plain.n }, (_, i) => 7_000 + i) };
  const next: Dump = {
    ...first,
    file: `${first.file}-other`,
    modalities: synthDump(syntheticSet('xor'), 2_000, 77).dump.modalities,
  };
  const settings = { seed: 0, folds: 3 };
  let solutions: WarmSolutions | undefined;
  const a = await analyze(first, settings, backend, { onSolutions: (s) => (solutions = s) });
  for (const p of a.probes)
    solutions!.mlp
      .get(p.modality)
      ?.forEach((w, fi) => assert.equal(w?.epochs, p.epochs![fi], `${p.modality} fold ${fi}`));
  const previous = resultToJson(a, false);
  const withSource = async (epochs: number) => {
    for (const folds of solutions!.mlp.values()) for (const w of folds) if (w) w.epochs = epochs;
    return (await analyze(next, settings, backend, { previous, solutions })).probes.flatMap((p) => p.epochs!);
  };
  const budget = warmEpochBudget(0, DEFAULT_PROBE.patience);
  const long = await withSource(60);
  assert.ok(
    long.some((e) => e > budget),
    `without a binding budget some fit runs past ${budget}: ${long}`,
  );
  const capped = await withSource(0);
  assert.ok(
    capped.every((e) => e <= budget),
    `every fit within ${budget} epochs: ${capped}`,
  );
});

test('the worker keeps the solutions of its 8 latest runs; a cached result keeps the run solutions', () => {
  const w = new WarmStarts();
  const sol = (i: number): WarmSolutions => ({ rows: `r${i}`, axes: new Map(), mlp: new Map() });
  for (let i = 0; i < 10; i++) w.remember(`/runs/${i}/epoch-1.npz`, 'k', { i }, sol(i));
  assert.equal(w.solutions('/runs/0/epoch-2.npz', 'k'), undefined);
  assert.equal(w.solutions('/runs/1/epoch-2.npz', 'k'), undefined);
  assert.equal(w.solutions('/runs/2/epoch-2.npz', 'k')?.rows, 'r2');
  assert.deepEqual(w.previous('/runs/0/epoch-2.npz', 'k'), { i: 0 }, 'summaries are kept longer');
  w.remember('/runs/9/epoch-2.npz', 'k', { i: 'cached' });
  assert.equal(w.solutions('/runs/9/epoch-3.npz', 'k')?.rows, 'r9');
  assert.equal(w.solutions('/runs/9/epoch-3.npz', 'other'), undefined, 'other settings, other runs');
});
