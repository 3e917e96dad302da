import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/core/backend';
import {
  EM_CELLS,
  Untied,
  disposeMoments,
  emStats,
  residentRows,
  rowBlocks,
  rowMoments,
  untiedLogits,
} from '../src/core/em';
import { Rng } from '../src/core/rng';
import { fitKnife } from '../src/core/knife';
import { knifeLogDensity } from '../src/core/knife-density';
import { gatherRows } from '../src/core/rows';
import { withinScatter } from '../src/core/class-mixture';

before(async () => {
  await initBackend('auto');
});

/** A random mixture in k dims: lower-triangular factors with a positive diagonal. */
function mixture(M: number, k: number, rng: Rng): Untied {
  return {
    k,
    kernels: M,
    means: Float64Array.from({ length: M * k }, () => rng.normal()),
    logWeights: Float64Array.from({ length: M }, () => Math.log(1 / M) + 0.3 * rng.normal()),
    factors: Array.from({ length: M }, () => {
      const L = new Float64Array(k * k);
      for (let i = 0; i < k; i++)
        for (let j = 0; j <= i; j++) L[i * k + j] = i === j ? 0.5 + rng.next() : 0.4 * rng.normal();
      return L;
    }),
  };
}

/** log w_m + log N(x; mu_m, (L_m^T L_m)^-1) for one row, in float64. */
function logitOf(m: Untied, kern: number, x: Float64Array): number {
  const { k } = m;
  const L = m.factors[kern];
  let quad = 0,
    logDiag = 0;
  for (let i = 0; i < k; i++) {
    logDiag += Math.log(L[i * k + i]);
    let v = 0;
    for (let j = 0; j <= i; j++) v += L[i * k + j] * (x[j] - m.means[kern * k + j]);
    quad += v * v;
  }
  return m.logWeights[kern] + logDiag - 0.5 * k * Math.log(2 * Math.PI) - 0.5 * quad;
}

test('all kernels in one product: the logits and EM statistics of the kernel-by-kernel formulas', () => {
  const rng = new Rng(4);
  const [n, k, M] = [300, 5, 4];
  const model = mixture(M, k, rng);
  const z = Float32Array.from({ length: n * k }, () => 1.5 * rng.normal());
  const zt = tf.tensor2d(z, [n, k]);
  const logits = untiedLogits(model, zt).arraySync() as number[][];
  const nk = new Float64Array(M),
    s1 = new Float64Array(k * M),
    s2 = Array.from({ length: M }, () => new Float64Array(k * k));
  for (let i = 0; i < n; i++) {
    const x = Float64Array.from(z.subarray(i * k, i * k + k));
    const l = Array.from({ length: M }, (_, m) => logitOf(model, m, x));
    for (let m = 0; m < M; m++)
      assert.ok(Math.abs(l[m] - logits[i][m]) < 1e-3 * (1 + Math.abs(l[m])), `row ${i} kernel ${m}`);
    const top = Math.max(...l);
    const sum = l.reduce((s, v) => s + Math.exp(v - top), 0);
    for (let m = 0; m < M; m++) {
      const r = Math.exp(l[m] - top) / sum;
      nk[m] += r;
      for (let a = 0; a < k; a++) {
        s1[a * M + m] += r * x[a];
        for (let b = 0; b < k; b++) s2[m][a * k + b] += r * x[a] * x[b];
      }
    }
  }
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-3 * (1 + Math.abs(b[i])), `${what}[${i}]`);
  };
  // Both ways to the moments: the rows' kept pairwise products, and the rows alone.
  const moments = rowMoments(z, n, k, M)!;
  assert.equal(moments.blocks.length, 1);
  for (const got of [emStats(model, residentRows(zt)), emStats(model, residentRows(zt), moments)]) {
    close(got.nk, nk, 'nk');
    close(got.s1, s1, 's1');
    for (let m = 0; m < M; m++) close(got.s2[m], s2[m], `s2[${m}]`);
  }
  disposeMoments(moments);
  zt.dispose();
});

test('pairwise products: kept up to their budget, in blocks within EM_CELLS', () => {
  const [n, k] = [100, 4];
  const z = Float32Array.from({ length: n * k }, (_, i) => i % 7);
  assert.equal(rowMoments(z, n, k, 5, n * 10 - 1), undefined, 'over the budget: none kept');
  const m = rowMoments(z, n, k, 5, n * 10)!;
  assert.equal(
    m.blocks.reduce((s, b) => s + b.shape[0], 0),
    n,
  );
  const q = m.blocks[0].arraySync()[3]; // row 3: z_a z_b for a <= b
  const x = Array.from(z.subarray(3 * k, 4 * k));
  assert.deepEqual(
    q,
    [0, 1, 2, 3].flatMap((a) => [0, 1, 2, 3].filter((b) => b >= a).map((b) => x[a] * x[b])),
  );
  disposeMoments(m);
});

test('the statistics are the same when the rows are cut into blocks', () => {
  const rng = new Rng(5);
  const k = 8;
  const M = 20;
  // More rows than one block holds at this M and k.
  const n = Math.floor(EM_CELLS / (M * k)) * 2 + 17;
  const model = mixture(M, k, rng);
  const z = Float32Array.from({ length: n * k }, () => rng.normal());
  const zt = tf.tensor2d(z, [n, k]);
  const whole = emStats(model, residentRows(zt));
  let total = 0;
  for (const v of whole.nk) total += v;
  assert.ok(Math.abs(total - n) < 1e-3 * n, `responsibilities sum to ${total}, not ${n}`);
  // Cut elsewhere (slices of 1,000, the middle and 500 rows), the sums must agree.
  const cuts = [0, 1000, n - 500, n];
  const summed = { nk: new Float64Array(M), s1: new Float64Array(k * M), s2: new Float64Array(k * k) };
  for (let c = 0; c < 3; c++) {
    const part = tf.slice(zt, [cuts[c], 0], [cuts[c + 1] - cuts[c], k]) as tf.Tensor2D;
    const st = emStats(model, residentRows(part));
    st.nk.forEach((v, i) => (summed.nk[i] += v));
    st.s1.forEach((v, i) => (summed.s1[i] += v));
    st.s2[3].forEach((v, i) => (summed.s2[i] += v));
  }
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => {
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-3 * (1 + Math.abs(b[i])), `${what}[${i}]`);
  };
  close(summed.nk, whole.nk, 'nk');
  close(summed.s1, whole.s1, 's1');
  close(summed.s2, whole.s2[3], 's2[3]');
  // With the rows' pairwise products, cut into their own blocks (made for up to 2M kernels: other cuts than the rows').
  const moments = rowMoments(z, n, k, 2 * M)!;
  assert.ok(moments.blocks.length > 2, `${moments.blocks.length} block(s)`);
  const fromMoments = emStats(model, residentRows(zt), moments);
  const first = tf.slice(zt, [0, 0], [1000, k]) as tf.Tensor2D;
  assert.throws(() => emStats(model, residentRows(first), moments), /other rows/);
  first.dispose();
  // More kernels than the products' blocks were cut for: the rows' own path, the same numbers.
  const wide = mixture(3 * M, k, rng);
  close(emStats(wide, residentRows(zt), moments).nk, emStats(wide, residentRows(zt)).nk, 'nk (3M kernels)');
  close(fromMoments.nk, whole.nk, 'nk (moments)');
  close(fromMoments.s1, whole.s1, 's1 (moments)');
  for (let m = 0; m < M; m++) close(fromMoments.s2[m], whole.s2[m], `s2[${m}] (moments)`);
  disposeMoments(moments);
  zt.dispose();
});

/** Three clusters in k dims, `spread` apart, each row labelled by its cluster. */
function threeClusters(seed: number, n: number, k: number, spread: number): { y: Int32Array; z: Float32Array } {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: n }, () => rng.int(3));
  const z = Float32Array.from(
    { length: n * k },
    (_, i) => spread * y[Math.floor(i / k)] * ((i % k) + 1) + rng.normal(),
  );
  return { y, z };
}

/** Rows a..b - 1. */
const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);

test('warm kernel counts: fitted as given (on a sample above 6,000 rows), none when the class model was named alone', () => {
  const [n, k] = [7500, 4];
  const { y, z } = threeClusters(9, n, k, 3);
  const [train, val] = [range(0, 6800), range(6800, n)];
  const opts = { kernels: 5, maxIter: 30, ridge: 1e-4, seed: 0 };
  const two = fitKnife(z, k, train, val, { ...opts, counts: [2] });
  assert.equal(two.kernels, 2);
  assert.equal(two.family, 'mixture');
  const classes = fitKnife(z, k, train, val, { ...opts, counts: [] }, { y, classes: 3 });
  assert.equal(classes.family, 'classes');
  // Cold, the ladder finds the three clusters.
  assert.ok(fitKnife(z, k, train, val, opts).kernels >= 3);
});

test("the class model's within-class scatter is the same when its rows are cut into blocks", () => {
  const rng = new Rng(6);
  const [n, k, classes] = [1_000, 6, 4];
  const y = Int32Array.from({ length: n }, () => rng.int(classes));
  const z = Float32Array.from({ length: n * k }, (_, i) => rng.normal() + y[Math.floor(i / k)]);
  const means = Float64Array.from({ length: classes * k }, (_, i) => Math.floor(i / k));
  const present = [0, 1, 2, 3];
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const whole = withinScatter(z, all, y, k, means, present, classes);
  const blocked = withinScatter(z, all, y, k, means, present, classes, 97 * k); // 11 blocks, the last short
  // By hand, in float64.
  const direct = new Float64Array(k * k);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) direct[a * k + b] += (z[i * k + a] - y[i]) * (z[i * k + b] - y[i]);
  for (let i = 0; i < k * k; i++) {
    assert.ok(Math.abs(blocked[i] - whole[i]) < 1e-4 * n, `[${i}] ${blocked[i]} vs ${whole[i]}`);
    assert.ok(Math.abs(blocked[i] - direct[i]) < 1e-4 * n, `[${i}] ${blocked[i]} vs ${direct[i]} by hand`);
  }
});

test("a fit's rows gathered a block at a time give what resident rows give, bit for bit", () => {
  const rng = new Rng(12);
  const [k, M] = [6, 8];
  const total = Math.floor(EM_CELLS / (M * k)) * 3 + 300; // three E-step blocks of the kept rows (6/7 of these)
  const z = Float32Array.from({ length: total * k }, () => rng.normal());
  // A fold's rows: every row but each seventh, in order.
  const rows = Int32Array.from({ length: total }, (_, i) => i).filter((i) => i % 7 !== 3);
  const model = mixture(M, k, rng);
  const resident = rowBlocks(z, k, rows);
  const gathered = rowBlocks(z, k, rows, 0);
  try {
    const [a, b] = [emStats(model, resident), emStats(model, gathered)];
    assert.deepEqual(b.nk, a.nk);
    assert.deepEqual(b.s1, a.s1);
    assert.deepEqual(b.s2, a.s2);
    assert.equal(Math.ceil(rows.length / Math.floor(EM_CELLS / (M * k))), 3, 'three blocks');
    // One block at a time: the buffer a block is gathered into is reused for the next.
    const first = gathered.take(0, 10);
    assert.throws(() => gathered.take(10, 10), /still in use/);
    gathered.release(first);
    gathered.release(gathered.take(10, 10));
  } finally {
    resident.dispose();
    gathered.dispose();
  }
  const dense = knifeLogDensity(model, gatherRows(z, k, rows), rows.length);
  assert.deepEqual(knifeLogDensity(model, z, rows.length, rows), dense, 'log densities of rows read in place');
});

test('entropy fits on rows gathered per block: the same models as on resident rows (ladder, sample and refit, class model)', () => {
  const [n, k] = [7500, 4];
  const { y, z } = threeClusters(13, n, k, 2);
  const opts = { kernels: 5, maxIter: 30, ridge: 1e-4, seed: 1 };
  const cases: Array<[string, Int32Array, Int32Array, { y: Int32Array; classes: number } | undefined]> = [
    ['3,000 rows, the ladder', range(0, 3000), range(3000, 3400), undefined],
    ['5,000 rows, the ladder on every row (more than a sample holds)', range(0, 5000), range(5000, 5600), undefined],
    ['6,800 rows, chosen on a sample and refitted', range(0, 6800), range(6800, n), undefined],
    ['with labels', range(0, 6800), range(6800, n), { y, classes: 3 }],
  ];
  for (const [what, train, val, labels] of cases) {
    const kept = fitKnife(z, k, train, val, opts, labels);
    const streamed = fitKnife(z, k, train, val, { ...opts, residentValues: 0 }, labels);
    assert.equal(streamed.kernels, kept.kernels, what);
    assert.equal(streamed.family, kept.family, what);
    assert.deepEqual(streamed.means, kept.means, what);
    assert.deepEqual(streamed.logWeights, kept.logWeights, what);
    assert.deepEqual(streamed.factors, kept.factors, what);
  }
});
