import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { initBackend, BackendInfo } from '../src/core/backend';
import { analyze, Result } from '../src/core/estimator';
import { CancelledError, Progress } from '../src/core/progress';
import { syntheticSet } from '../src/core/synthetic/sets';
import { synthDump } from '../src/core/synthetic/dump';
import { exactTruth } from '../src/core/synthetic/truth';
import { Rng } from '../src/core/rng';

let backend: BackendInfo;
before(async () => {
  backend = await initBackend('auto');
});

/** Truth in the estimator's stated entropy space (its whitening adds log|det W| to each h). */
function truthFor(name: string, res: Result, opts = {}) {
  const [s1, s2] = res.entropySpace;
  assert.notEqual(s1.logDet, null, 'full-rank whitening');
  return exactTruth(syntheticSet(name, opts).model, { n: 100_000, offset1: s1.logDet!, offset2: s2.logDet! }).dataset;
}

function assertClose(res: Result, truth: Record<'R' | 'U1' | 'U2' | 'S', number>, tol: number, what: string): void {
  for (const k of ['R', 'U1', 'U2', 'S'] as const) {
    const err = Math.abs(res.main.dataset[k] - truth[k]);
    assert.ok(
      err <= tol,
      `${what} ${k}: estimate ${res.main.dataset[k].toFixed(4)}, truth ${truth[k].toFixed(4)}, error ${err.toFixed(4)} > ${tol}`,
    );
  }
}

// preset:1/2R+1/2S is the bench's worst set (0.010 on seed 0): 0.02 guards it across seeds.
for (const [name, tol, opts] of [
  ['xor', 0.02, {}],
  ['or', 0.02, {}],
  ['gaussian', 0.03, { classes: 2, noise: 0.5, rho: 0.5 }],
  ['preset:1/2R+1/2S', 0.02, {}],
] as const) {
  test(`accuracy: ${name} at N = 10k within ${tol} nats of the exact truth`, async () => {
    const { dump } = synthDump(syntheticSet(name, opts), 10_000, 42);
    const res = await analyze(dump, { seed: 0 }, backend);
    assertClose(res, truthFor(name, res, opts), tol, name);
    // Sanity on the parts the decomposition is built from.
    const s = res.main.samples;
    for (let i = 0; i < 100; i++) assert.ok(Math.abs(s.r[i] + s.u1[i] + s.u2[i] + s.s[i] - s.i12[i]) < 1e-9);
    console.log(`# ${name}: ${JSON.stringify(res.main.dataset)} in ${res.seconds.toFixed(1)} s on ${res.backend}`);
  });
}

test('same input, settings and seed give identical results; another seed differs', async () => {
  const { dump } = synthDump(syntheticSet('or'), 600, 3);
  const a = await analyze(dump, { seed: 1, folds: 3 }, backend);
  const b = await analyze(dump, { seed: 1, folds: 3 }, backend);
  assert.deepEqual(a.main.samples.r, b.main.samples.r);
  assert.deepEqual(a.main.dataset, b.main.dataset);
  const c = await analyze(dump, { seed: 2, folds: 3 }, backend);
  assert.notDeepEqual(c.main.samples.r, a.main.samples.r);
});

test('worker threads and inline runs give identical per-sample values', async () => {
  const { dump } = synthDump(syntheticSet('gaussian', { classes: 3 }), 900, 11);
  const inline = await analyze(dump, { seed: 3, folds: 3, workers: 0 }, backend);
  const pooled = await analyze(dump, { seed: 3, folds: 3, workers: 2 }, backend);
  assert.deepEqual(pooled.main.samples.r, inline.main.samples.r);
  assert.deepEqual(pooled.main.samples.s, inline.main.samples.s);
  assert.deepEqual(pooled.probes, inline.probes);
});

test('cancelling a run on worker threads rejects it, and the pool works afterwards', async () => {
  const { dump } = synthDump(syntheticSet('or'), 600, 12);
  const ctl = new AbortController();
  const run = analyze(dump, { seed: 0, folds: 3, workers: 2 }, backend, {
    signal: ctl.signal,
    onProgress: (p) => {
      if (p.phase !== 'prepare') ctl.abort();
    },
  });
  await assert.rejects(run, CancelledError);
  const again = await analyze(dump, { seed: 0, folds: 3, workers: 2 }, backend);
  assert.equal(again.n, 600);
});

test("the dump's split: values only for evaluate samples, models trained on the rest", async () => {
  const { dump } = synthDump(syntheticSet('or'), 800, 4);
  const rng = new Rng(9);
  dump.split = Uint8Array.from({ length: 800 }, () => (rng.next() < 0.7 ? 1 : 0));
  const res = await analyze(dump, { seed: 0 }, backend);
  assert.equal(res.holdout.mode, 'split');
  const evalCount = dump.split.reduce((a, v) => a + (v === 0 ? 1 : 0), 0);
  assert.equal(res.n, evalCount);
  for (let i = 0; i < 800; i++) assert.equal(Number.isFinite(res.main.samples.r[i]), dump.split[i] === 0);
  const cf = await analyze(dump, { seed: 0, holdout: 'crossfit', folds: 3 }, backend);
  assert.equal(cf.n, 800);
});

test('logits in the dump replace probes and give exact i(x;y) when they are the true posteriors', async () => {
  const set = syntheticSet('or');
  const { dump, sample } = synthDump(set, 1000, 5);
  // Perfect posteriors computed from the generating bits: i(x;y) is then exact.
  const K = 2;
  const mk = (f: (i: number) => number[]) =>
    Float32Array.from({ length: 1000 * K }, (_, j) => f(Math.floor(j / K))[j % K]);
  const bit = (v: number) => (v > 0.5 ? 1 : 0);
  dump.logits.logits12 = mk((i) => (bit(sample.x1[i]) | bit(sample.x2[i]) ? [-20, 20] : [20, -20]));
  dump.logits.logits1 = mk((i) => (bit(sample.x1[i]) ? [-20, 20] : [0, 0]));
  dump.logits.logits2 = mk((i) => (bit(sample.x2[i]) ? [-20, 20] : [0, 0]));
  const res = await analyze(dump, { seed: 0, folds: 3 }, backend);
  assert.deepEqual(
    res.probes.map((p) => p.source),
    ['logits', 'logits', 'logits'],
  );
  // With exact, certain posteriors I(X1,X2;Y) is the empirical H(Y) of the sample.
  const p1 = sample.y.reduce((a, v) => a + v, 0) / 1000;
  const hy = -(p1 * Math.log(p1) + (1 - p1) * Math.log(1 - p1));
  assert.ok(Math.abs(res.main.info.I12 - hy) < 1e-3, `I12 ${res.main.info.I12} vs H(Y) ${hy}`);
  const probed = await analyze(dump, { seed: 0, folds: 3, useLogits: false }, backend);
  assert.deepEqual(
    probed.probes.map((p) => p.source),
    ['probe', 'probe', 'probe'],
  );
});

test('more than two modalities: every pair is analysed (paper Table 7)', async () => {
  const { dump } = synthDump(syntheticSet('xor'), 600, 6);
  // x3 is a copy of x1 with fresh noise: redundant with x1.
  const rng = new Rng(1);
  dump.modalities.push({
    name: 'x3',
    dim: 1,
    data: Float32Array.from(dump.modalities[0].data, (v) => v + 0.05 * rng.normal()),
  });
  const res = await analyze(dump, { seed: 0, folds: 3 }, backend);
  assert.deepEqual(
    res.pairs.map((p) => p.pair),
    [
      [0, 1],
      [0, 2],
      [1, 2],
    ],
  );
  const p13 = res.pairs[1];
  assert.ok(p13.dataset.S < 0.2, `x1/x3 synergy should be small, got ${p13.dataset.S}`);
  assert.ok(res.main.dataset.S > 0.5, `x1/x2 synergy should be large, got ${res.main.dataset.S}`);
});

test('progress goes through the phases in order and reaches 1; cancellation stops the run', async () => {
  const { dump } = synthDump(syntheticSet('or'), 400, 7);
  const seen: Progress[] = [];
  await analyze(dump, { seed: 0, folds: 2 }, backend, { onProgress: (p) => seen.push(p) });
  const phases = [...new Set(seen.map((p) => p.phase))];
  // The pilot probes are scheduled first, the entropy models and other probes run beside them.
  assert.equal(phases[0], 'prepare');
  assert.deepEqual(phases.slice(-2), ['decompose', 'done']);
  assert.deepEqual(phases.slice(1, -2).sort(), ['entropy', 'probes']);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i].fraction >= seen[i - 1].fraction - 1e-9);
  assert.equal(seen[seen.length - 1].fraction, 1);
  const ctl = new AbortController();
  await assert.rejects(
    analyze(dump, { seed: 0, folds: 2 }, backend, {
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.phase === 'probes') ctl.abort();
      },
    }),
    CancelledError,
  );
});

test('imbalanced labels: the empirical prior, not log K', async () => {
  // 90/10 labels, features carry nothing: every i(x;y) should average near 0, not near log 2 - H(Y).
  const n = 1000;
  const rng = new Rng(8);
  const { dump } = synthDump(syntheticSet('xor'), n, 8);
  dump.y = Int32Array.from({ length: n }, () => (rng.next() < 0.9 ? 0 : 1));
  const res = await analyze(dump, { seed: 0, folds: 3 }, backend);
  // A uniform prior (log K) would put each mean near log 2 - H(Y) = 0.37 nats.
  for (const v of Object.values(res.main.info)) assert.ok(Math.abs(v) < 0.06, `i mean ${v}`);
});
