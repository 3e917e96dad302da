import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend, BackendInfo } from '../src/core/backend';
import { analyze } from '../src/core/estimator';
import { resultToJson } from '../src/core/report';
import { syntheticSet } from '../src/core/synthetic/sets';
import { synthDump } from '../src/core/synthetic/dump';
import { WARM_CHAIN, warmLambdas, warmStartFrom } from '../src/core/warm';
import * as fs from 'fs';
import * as path from 'path';
import { writeDump } from '../src/io/dump';
import { sampleMixture } from '../src/core/synthetic/mixture';
import { sampleTensors } from '../src/core/synthetic/dump';
import { Rng } from '../src/core/rng';
import { WorkerClient } from '../src/worker/client';
import { tempDir } from './helpers';
import { settingsKey } from '../src/store/keys';

let backend: BackendInfo;
before(async () => {
  backend = await initBackend('auto');
});

/** A summary-shaped object with the fields warmStartFrom reads. */
function summaryLike(over: Record<string, unknown> = {}) {
  return {
    file: 'runs/a/checkpoints/epoch-3.npz',
    holdout: { mode: 'crossfit', folds: 3 },
    entropy: [
      { modality: 'x1', model: ['mixture', 'mixture', 'classes'], kernels: [5, 10, 4] },
      { modality: 'x2', model: ['classes', 'classes', 'classes'], kernels: [4, 4, 4] },
    ],
    probes: [
      {
        modality: 'x1',
        source: 'probe',
        model: ['linear', 'linear', 'linear'],
        valLoss: [
          { linear: 0.3, mlp: 0.35 },
          { linear: 0.3, mlp: 0.32 },
          { linear: 0.2, mlp: 0.25 },
        ],
      },
      {
        modality: 'x2',
        source: 'probe',
        model: ['linear', 'linear', 'linear'],
        valLoss: [
          { linear: 0.3, mlp: 0.301 },
          { linear: 0.3, mlp: 0.4 },
          { linear: 0.3, mlp: 0.4 },
        ],
      },
      {
        modality: 'x1+x2',
        source: 'probe',
        model: ['mlp', 'linear', 'linear'],
        valLoss: [
          { linear: 0.3, mlp: 0.2 },
          { linear: 0.2, mlp: 0.4 },
          { linear: 0.2, mlp: 0.4 },
        ],
      },
    ],
    ...over,
  };
}

test('a warm start keeps the mixture counts the folds chose and drops the MLP only where it lost clearly everywhere', () => {
  const w = warmStartFrom(summaryLike(), 3)!;
  assert.deepEqual(
    w.entropy,
    new Map([
      ['x1', [5, 10]],
      ['x2', []],
    ]),
  );
  // x2's MLP came within 1 % on one fold, and the joint MLP won a fold: both keep it.
  assert.deepEqual(w.linearOnly, ['x1']);
  assert.equal(w.depth, 0);
  assert.equal(w.from, 'runs/a/checkpoints/epoch-3.npz');
});

test('after a clear pilot the later folds have no MLP loss: that input is still linear-only next time', () => {
  const s = summaryLike();
  s.probes[1].valLoss = [
    { linear: 0.3, mlp: 0.4 },
    { linear: 0.3 },
    { linear: 0.31 },
  ] as (typeof s.probes)[1]['valLoss'];
  assert.deepEqual(warmStartFrom(s, 3)!.linearOnly, ['x1', 'x2']);
  // No fold with both losses: nothing says the MLP lost.
  s.probes[1].valLoss = [{ linear: 0.3 }, { linear: 0.3 }, { linear: 0.31 }] as (typeof s.probes)[1]['valLoss'];
  assert.deepEqual(warmStartFrom(s, 3)!.linearOnly, ['x1']);
});

test('warm L2 strengths: the median of the folds, and the path within a factor of 10 of it', () => {
  const s = summaryLike();
  (s.probes[0] as Record<string, unknown>).lambda = [1e-3, 1e-2, 1e-3];
  (s.probes[1] as Record<string, unknown>).lambda = [null, 'x', -1];
  (s.probes[2] as Record<string, unknown>).lambda = [1e-3, 1e-3]; // not one per fold: not ours
  const w = warmStartFrom(s, 3)!;
  assert.equal(w.lambdas.get('x1'), 1e-3);
  assert.equal(w.lambdas.has('x2'), false, 'no usable strength: the whole path');
  assert.equal(w.lambdas.has('x1+x2'), false, 'one strength per fold or none');
  const path = [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6];
  assert.deepEqual(warmLambdas(path, 1e-3), [1e-2, 1e-3, 1e-4]);
  assert.deepEqual(warmLambdas(path, 1e-1), [1e-1, 1e-2]);
  assert.deepEqual(warmLambdas(path, undefined), path);
  assert.deepEqual(warmLambdas(path, 1e3), path, 'nothing near: the whole path');
});

test('modality names like __proto__ and constructor are names, not object keys', () => {
  const s = summaryLike({
    entropy: [
      { modality: '__proto__', model: ['mixture', 'mixture', 'mixture'], kernels: [2, 2, 2] },
      { modality: 'constructor', model: ['classes', 'classes', 'classes'], kernels: [3, 3, 3] },
    ],
  });
  const w = warmStartFrom(s, 3)!;
  assert.deepEqual(w.entropy.get('__proto__'), [2]);
  assert.deepEqual(w.entropy.get('constructor'), []);
  assert.equal(w.entropy.get('length'), undefined);
  assert.equal(w.entropy.get('toString'), undefined);
});

test('warmStart off is a settings key of its own; on is the default key', () => {
  assert.equal(settingsKey({ warmStart: true }, 'wasm'), settingsKey({}, 'wasm'));
  assert.notEqual(settingsKey({ warmStart: false }, 'wasm'), settingsKey({}, 'wasm'));
});

test('the chain goes cold again after WARM_CHAIN warm analyses', () => {
  assert.equal(warmStartFrom(summaryLike({ warm: { from: 'x', depth: WARM_CHAIN - 2 } }), 3)!.depth, WARM_CHAIN - 1);
  assert.equal(warmStartFrom(summaryLike({ warm: { from: 'x', depth: WARM_CHAIN - 1 } }), 3), undefined);
});

test('a summary that is not one of ours, or of other folds, gives no warm start', () => {
  const bad: unknown[] = [
    null,
    'text',
    summaryLike({ holdout: { folds: 5 } }),
    summaryLike({ entropy: [{ modality: 'x1', model: ['mixture', 'mixture', 'mixture'], kernels: [5, 1e9, 2] }] }),
    summaryLike({ entropy: [{ modality: 'x1', model: ['mixture', 'mixture', 'mixture'], kernels: [5, 2.5, 2] }] }),
    summaryLike({ entropy: [{ modality: 'x1', model: ['mixture', 'other', 'mixture'], kernels: [5, 2, 2] }] }),
    summaryLike({ entropy: [{ modality: 'x1', model: ['mixture'], kernels: [5] }] }),
    summaryLike({ entropy: [{ modality: 7, model: ['classes', 'classes', 'classes'], kernels: [1, 1, 1] }] }),
    summaryLike({ file: 3 }),
    summaryLike({ warm: { depth: -5 } }),
  ];
  for (const b of bad) assert.equal(warmStartFrom(b, 3), undefined, JSON.stringify(b));
  // NaN losses do not count as a clear win.
  const nan = summaryLike();
  (nan.probes[0].valLoss[1] as { mlp: number }).mlp = NaN;
  assert.deepEqual(warmStartFrom(nan, 3)!.linearOnly, []);
});

test('the next checkpoint of a run, warm, fits fewer models and lands where a cold analysis does', async () => {
  const set = syntheticSet('gaussian', { classes: 4 });
  const first = synthDump(set, 3_000, 11).dump;
  const next = synthDump(set, 3_000, 12).dump;
  const settings = { seed: 0, folds: 3 };
  const a = await analyze(first, settings, backend);
  const cold = await analyze(next, settings, backend);
  const warm = await analyze(next, settings, backend, { previous: resultToJson(a, false) });
  assert.equal(cold.warm, undefined);
  assert.deepEqual(warm.warm, { from: first.file, depth: 0 });
  assert.equal(resultToJson(warm, false).warm?.depth, 0);
  // The entropy models fit only what the previous checkpoint chose: the class model where it
  // won every fold, else the mixture at one of its counts.
  const hint = warmStartFrom(resultToJson(a, false), 3)!;
  for (const e of warm.entropy) {
    const counts = hint.entropy.get(e.modality)!;
    e.model!.forEach((m, f) =>
      assert.ok(m === 'classes' || counts.includes(e.kernels![f]), `${e.modality} fold ${f}: ${m} ${e.kernels![f]}`),
    );
    if (!counts.length) assert.ok(e.model!.every((m) => m === 'classes'));
  }
  for (const p of warm.probes)
    if (hint.linearOnly.includes(p.modality)) assert.ok(p.valLoss!.every((v) => v.mlp === undefined && v.linear));
  // The linear candidates' L2 strengths come from within a factor of 10 of last time's.
  for (const p of warm.probes) {
    const last = hint.lambdas.get(p.modality)!;
    assert.ok(last > 0, `${p.modality}: a strength to start from`);
    for (const l of p.lambda!)
      assert.ok(l === null || (l <= last * 10.0001 && l >= last / 10.0001), `${p.modality}: ${l}`);
  }
  // Where it lands: inside the cold analysis's 90 % interval (at N = 3,000 about +-0.03 for R),
  // and close. Warm hints may pick the other probe candidate on a near-tie, a change of ~0.01.
  for (const k of ['R', 'U1', 'U2', 'S'] as const) {
    const [lo, hi] = cold.main.intervals[k];
    const w = warm.main.dataset[k];
    assert.ok(w >= lo - 1e-9 && w <= hi + 1e-9, `${k}: warm ${w} outside the cold interval [${lo}, ${hi}]`);
    assert.ok(Math.abs(w - cold.main.dataset[k]) < 0.02, `${k}: warm ${w} vs cold ${cold.main.dataset[k]}`);
  }
  // Off by setting: the same analysis as a cold one.
  const off = await analyze(next, { ...settings, warmStart: false }, backend, { previous: resultToJson(a, false) });
  assert.equal(off.warm, undefined);
  assert.equal(off.main.dataset.R, cold.main.dataset.R);
});

test('the worker starts each run checkpoint from the one before it, per run folder and settings', async () => {
  const dir = tempDir('lsmi-warm-');
  const dump = (run: string, name: string, seed: number) => {
    fs.mkdirSync(path.join(dir, run), { recursive: true });
    const file = path.join(dir, run, name);
    writeDump(file, sampleTensors(sampleMixture(syntheticSet('gaussian', { classes: 3 }).model, 900, new Rng(seed))));
    return file;
  };
  const [a1, a2, b1] = [
    dump('a', 'epoch-1.safetensors', 1),
    dump('a', 'epoch-2.safetensors', 2),
    dump('b', 'epoch-1.safetensors', 3),
  ];
  const w = new WorkerClient({});
  try {
    const cache = path.join(dir, 'cache');
    const run = (file: string, settings = { folds: 2 }) => w.analyze(file, settings, 'wasm', cache).done;
    assert.equal((await run(a1)).summary.warm, undefined);
    assert.equal((await run(b1)).summary.warm, undefined, 'another run folder starts cold');
    assert.deepEqual((await run(a2)).summary.warm, { from: a1, depth: 0 });
    assert.equal((await run(a2, { folds: 3 })).summary.warm, undefined, 'other settings start cold');
  } finally {
    w.dispose();
  }
});

test('a new worker starts from the cached result the host names; a key that is not one, or not in the cache, starts cold', async () => {
  const dir = tempDir('lsmi-warm-key-');
  fs.mkdirSync(path.join(dir, 'a'));
  const [a1, a2] = [1, 2].map((e) => {
    const file = path.join(dir, 'a', `epoch-${e}.safetensors`);
    writeDump(file, sampleTensors(sampleMixture(syntheticSet('gaussian', { classes: 3 }).model, 900, new Rng(e))));
    return file;
  });
  const cache = path.join(dir, 'cache');
  const inNewWorker = async (file: string, previousKey?: string, backend: 'wasm' | 'cpu' = 'wasm') => {
    const w = new WorkerClient({});
    try {
      return await w.analyze(file, { folds: 2 }, backend, cache, undefined, { force: true, previousKey }).done;
    } finally {
      w.dispose();
    }
  };
  const first = await inNewWorker(a1);
  assert.equal((await inNewWorker(a2)).summary.warm, undefined, 'nothing named: cold');
  assert.equal((await inNewWorker(a2, '../../etc')).summary.warm, undefined, 'not a key: cold');
  assert.equal((await inNewWorker(a2, 'f'.repeat(32))).summary.warm, undefined, 'no such entry: cold');
  assert.deepEqual((await inNewWorker(a2, first.key)).summary.warm, { from: a1, depth: 0 });
  const onCpu = await inNewWorker(a1, undefined, 'cpu');
  assert.equal((await inNewWorker(a2, onCpu.key)).summary.warm, undefined, "another backend's result: cold");
});

test('the pilot fold decides the probe candidates for the other folds', async () => {
  // Gaussian classes: the Bayes posterior is linear, the linear candidate wins fold 0 clearly.
  const g = await analyze(
    synthDump(syntheticSet('gaussian', { classes: 4 }), 3_000, 21).dump,
    { seed: 0, folds: 4 },
    backend,
  );
  for (const p of g.probes) {
    const pilot = p.valLoss![0];
    assert.ok(pilot.mlp !== undefined, `${p.modality}: the pilot fits both candidates`);
    const skipped = p.valLoss!.slice(1).every((v) => v.mlp === undefined);
    const fitted = p.valLoss!.slice(1).every((v) => v.mlp !== undefined);
    assert.ok(skipped || fitted, `${p.modality}: one verdict for all later folds`);
    // The linear candidate won the pilot (by any margin): the MLP is left out of the later folds.
    assert.equal(skipped, pilot.linear! <= pilot.mlp!, `${p.modality}: ${JSON.stringify(p.valLoss)}`);
  }
  const skipped = g.probes.filter((p) => p.valLoss!.slice(1).every((v) => v.mlp === undefined)).map((p) => p.modality);
  assert.ok(skipped.length > 0, 'some input skipped the MLP');
  // The next checkpoint of this run leaves the MLP out altogether where the pilot's win was clear.
  const clear = g.probes.filter((p) => p.valLoss![0].mlp! > p.valLoss![0].linear! * 1.01 + 1e-3).map((p) => p.modality);
  assert.deepEqual(warmStartFrom(resultToJson(g, false), 4)!.linearOnly, clear);
  // XOR: only the MLP can fit the joint probe; the pilot shows it, so the later folds fit the MLP alone.
  const x = await analyze(synthDump(syntheticSet('xor'), 2_000, 22).dump, { seed: 0, folds: 4 }, backend);
  const joint = x.probes.find((p) => p.modality.includes('+'))!;
  assert.deepEqual(joint.model, ['mlp', 'mlp', 'mlp', 'mlp']);
  const [pilot, ...later] = joint.valLoss!;
  assert.ok(
    pilot.linear! > pilot.mlp! * 1.01 + 1e-3,
    `the pilot fits both; the MLP wins clearly: ${JSON.stringify(pilot)}`,
  );
  assert.ok(
    later.every((v) => v.linear === undefined && v.mlp !== undefined),
    `later folds: the MLP alone ${JSON.stringify(later)}`,
  );
});
