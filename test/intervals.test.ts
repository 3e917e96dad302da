import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { POISSON_ROWS, datasetIntervals, normalQuantile } from '../src/core/intervals';
import { Parts } from '../src/core/decompose';
import { Rng } from '../src/core/rng';
import { CLI, tempDir } from './helpers';

/** Raw parts with known means and noise; `foldShift` moves each fold's mean (model-to-model scatter). */
function synthParts(n: number, folds: number, seed: number, foldShift = 0): { parts: Parts; rows: Int32Array[] } {
  const rng = new Rng(seed);
  const mk = (mean: number, sd: number) => Float64Array.from({ length: n }, () => mean + sd * rng.normal());
  const parts = { r: mk(0.3, 0.5), u1: mk(0.1, 0.4), u2: mk(0.05, 0.4), s: mk(0.2, 0.6) };
  const rows = Array.from({ length: folds }, (_, f) =>
    Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % folds === f),
  );
  rows.forEach((rs, f) => {
    for (const i of rs) parts.r[i] += foldShift * (f - (folds - 1) / 2);
  });
  return { parts, rows };
}

const meanOf = (p: Parts) => ({ R: avg(p.r), U1: avg(p.u1), U2: avg(p.u2), S: avg(p.s) });
const avg = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length;

test('normal quantiles', () => {
  assert.ok(Math.abs(normalQuantile(0.95) - 1.6449) < 1e-4);
  assert.ok(Math.abs(normalQuantile(0.5)) < 1e-9);
  assert.ok(Math.abs(normalQuantile(0.01) + 2.3263) < 1e-4);
});

test('intervals: contain the estimate, shrink as 1/sqrt(N), are reproducible, widen with fold scatter', () => {
  const a = synthParts(2000, 5, 1),
    b = synthParts(32_000, 5, 1);
  const ia = datasetIntervals(a.parts, a.rows, meanOf(a.parts), { adjust: false, seed: 3 });
  const ib = datasetIntervals(b.parts, b.rows, meanOf(b.parts), { adjust: false, seed: 3 });
  for (const k of ['R', 'U1', 'U2', 'S'] as const) {
    const est = meanOf(a.parts)[k];
    assert.ok(ia[k][0] <= est && est <= ia[k][1], k);
    const ratio = (ia[k][1] - ia[k][0]) / (ib[k][1] - ib[k][0]);
    assert.ok(ratio > 3 && ratio < 6, `${k}: width ratio ${ratio} for 16x the samples`);
  }
  // Width is at least the normal approximation 2 * 1.645 * sd / sqrt(n) (R has sd 0.5), and
  // at most what a chance fold-to-fold scatter estimate adds to it.
  const want = (2 * 1.645 * 0.5) / Math.sqrt(2000);
  const got = (ia.R[1] - ia.R[0]) / want;
  assert.ok(got > 0.85 && got < 1.6, `${ia.R[1] - ia.R[0]} vs ${want}`);
  assert.deepEqual(datasetIntervals(a.parts, a.rows, meanOf(a.parts), { adjust: false, seed: 3 }), ia);
  const c = synthParts(2000, 5, 1, 0.1);
  const ic = datasetIntervals(c.parts, c.rows, meanOf(c.parts), { adjust: false, seed: 3 });
  assert.ok(ic.R[1] - ic.R[0] > 1.5 * (ia.R[1] - ia.R[0]), 'models that disagree fold to fold widen R');
  assert.ok(Math.abs((ic.S[1] - ic.S[0]) / (ia.S[1] - ia.S[0]) - 1) < 0.3, 'and leave S alone');
});

test('intervals: folds past POISSON_ROWS (weights, not draws) give the width of the normal approximation, like folds below it', () => {
  // Four folds just past the threshold, and the same rows cut into sixteen folds below it. R's
  // mean is 10 sd: weights whose random total were not divided out would widen R ~10x.
  const n = 4 * (POISSON_ROWS + 1000);
  const big = synthParts(n, 4, 5);
  big.parts.r = big.parts.r.map((v) => v + 4.7);
  const small = { parts: big.parts, rows: synthParts(n, 16, 5).rows };
  assert.ok(big.rows[0].length > POISSON_ROWS && small.rows[0].length <= POISSON_ROWS);
  const want = (2 * 1.645 * 0.5) / Math.sqrt(n); // R has sd 0.5
  const est = meanOf(big.parts).R;
  for (const { rows } of [big, small]) {
    const iv = datasetIntervals(big.parts, rows, meanOf(big.parts), { adjust: false, seed: 3, replicates: 200 });
    assert.ok(iv.R[0] <= est && est <= iv.R[1]);
    // As in the test above: at least the normal approximation, at most what a chance fold scatter adds.
    const got = (iv.R[1] - iv.R[0]) / want;
    assert.ok(got > 0.85 && got < 1.6, `${rows.length} folds: R width ${iv.R[1] - iv.R[0]} vs ${want}`);
  }
});

test('intervals: coverage of the mean over 200 data seeds is near the nominal 90%', () => {
  let inside = 0,
    total = 0;
  for (let seed = 0; seed < 200; seed++) {
    const { parts, rows } = synthParts(1000, 5, 100 + seed);
    const iv = datasetIntervals(parts, rows, meanOf(parts), { adjust: false, seed, replicates: 200 });
    for (const [k, truth] of [
      ['R', 0.3],
      ['S', 0.2],
    ] as const) {
      total++;
      if (iv[k][0] <= truth && truth <= iv[k][1]) inside++;
    }
  }
  const coverage = inside / total;
  console.log(`# coverage of the true mean: ${(100 * coverage).toFixed(1)}% over ${total} checks`);
  assert.ok(coverage >= 0.85 && coverage <= 0.99, `coverage ${coverage}`);
});

// The reference's adjustment at its kink: U1 = U2 = -0.1 (a symmetric set such as OR), so the
// adjusted S is S + min(U1, U2), whose plug-in estimate sits low by ~0.4 sd of U1 - U2. A
// percentile bootstrap of the adjusted value covered 50-60 % here; the interval arithmetic
// on smooth functionals must cover near the nominal level.
test('intervals: adjusted values keep their coverage at the adjustment kink (U1 = U2 < 0)', () => {
  const truth = { R: 0.3 - 0.1, U1: 0, U2: 0, S: 0.2 - 0.1 };
  const hits = { R: 0, U1: 0, U2: 0, S: 0 };
  const seeds = 200;
  for (let seed = 0; seed < seeds; seed++) {
    const rng = new Rng(500 + seed);
    const n = 1000;
    const mk = (mean: number, sd: number) => Float64Array.from({ length: n }, () => mean + sd * rng.normal());
    const parts = { r: mk(0.3, 0.5), u1: mk(-0.1, 0.4), u2: mk(-0.1, 0.4), s: mk(0.2, 0.6) };
    const rows = Array.from({ length: 5 }, (_, f) =>
      Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 5 === f),
    );
    const m = meanOf(parts);
    const a = Math.min(m.U1, m.U2);
    const est = { R: m.R + a, U1: m.U1 - a, U2: m.U2 - a, S: m.S + a };
    const iv = datasetIntervals(parts, rows, est, { adjust: true, seed, replicates: 200 });
    for (const k of ['R', 'U1', 'U2', 'S'] as const) if (iv[k][0] <= truth[k] && truth[k] <= iv[k][1]) hits[k]++;
  }
  console.log(
    `# coverage at the kink: ${Object.entries(hits)
      .map(([k, h]) => `${k} ${((100 * h) / seeds).toFixed(0)}%`)
      .join(', ')}`,
  );
  for (const k of ['R', 'U1', 'U2', 'S'] as const) assert.ok(hits[k] / seeds >= 0.85, `${k}: ${hits[k]}/${seeds}`);
});

test('lsmi analyze --json and lsmi watch --json carry 90% intervals around the estimate', () => {
  const dir = tempDir('lsmi-iv-');
  fs.mkdirSync(path.join(dir, 'run'));
  const file = path.join(dir, 'run', 'epoch-0001.safetensors');
  assert.equal(spawnSync(process.execPath, [CLI, 'synth', 'or', '--n', '600', '--out', file]).status, 0);
  const a = spawnSync(process.execPath, [CLI, 'analyze', file, '--json', '--folds', '2'], { encoding: 'utf8' });
  assert.equal(a.status, 0, a.stderr);
  const j = JSON.parse(a.stdout) as {
    dataset: Record<string, number>;
    intervals: Record<string, [number, number]> & { level: number };
  };
  assert.equal(j.intervals.level, 0.9);
  for (const k of ['R', 'U1', 'U2', 'S']) {
    assert.ok(j.intervals[k][0] <= j.dataset[k] && j.dataset[k] <= j.intervals[k][1], k);
    assert.ok(j.intervals[k][1] - j.intervals[k][0] < 0.3, `${k} interval is informative`);
  }
  const w = spawnSync(process.execPath, [CLI, 'watch', dir, '--once', '--json', '--folds', '2'], { encoding: 'utf8' });
  assert.equal(w.status, 0, w.stderr);
  const line = JSON.parse(w.stdout.trim()) as { intervals?: { R: [number, number] } };
  assert.ok(line.intervals && line.intervals.R[0] <= line.intervals.R[1]);
});
