import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { axisRange, selectKth } from '../webview/samples/axis-range';
import { Rng } from '../src/core/rng';

/** The sort-based definition axisRange replaces: quantiles of the finite values, padded by 2 %. */
function reference(v: Float32Array, at: Int32Array): [number, number, number] {
  const vals = Float32Array.from(at, (i) => v[i])
    .filter(Number.isFinite)
    .sort();
  const n = vals.length;
  if (!n) return [-1, 1, 0];
  const cut = n >= 1000 ? Math.floor(0.005 * n) : 0;
  let [lo, hi] = [vals[cut], vals[n - 1 - cut]];
  if (!(hi > lo)) [lo, hi] = [vals[0], vals[n - 1]];
  if (!(hi > lo)) [lo, hi] = [lo - 1, hi + 1];
  const pad = 0.02 * (hi - lo);
  return [lo - pad, hi + pad, vals.filter((x) => x < lo - pad || x > hi + pad).length];
}

test('selectKth puts the k-th smallest at k, smaller before and larger after: random, sorted, reversed, constant', () => {
  const rng = new Rng(5);
  const inputs = [
    Float32Array.from({ length: 5001 }, () => rng.next() - 0.5),
    Float32Array.from({ length: 3000 }, (_, i) => i),
    Float32Array.from({ length: 3000 }, (_, i) => -i),
    new Float32Array(2000).fill(0.25),
    Float32Array.from({ length: 4000 }, () => Math.round(rng.next() * 4)), // many ties
  ];
  for (const input of inputs) {
    const sorted = Float32Array.from(input).sort();
    for (const k of [0, 1, 17, input.length >> 1, input.length - 2, input.length - 1]) {
      const v = Float32Array.from(input);
      assert.equal(selectKth(v, k), sorted[k], `k = ${k} of ${input.length}`);
      for (let i = 0; i < k; i++) assert.ok(v[i] <= v[k]);
      for (let i = k + 1; i < v.length; i++) assert.ok(v[i] >= v[k]);
    }
  }
});

test('axisRange equals the sort-based quantile range: subsets, outliers, NaN and infinities, few and flat values', () => {
  const rng = new Rng(9);
  const n = 20_000;
  const v = Float32Array.from({ length: n }, (_, i) =>
    i % 997 === 0 ? 50 : i % 1999 === 0 ? NaN : i % 2999 === 0 ? -Infinity : rng.next() * 0.4,
  );
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const cases: Array<[string, Float32Array, Int32Array]> = [
    ['all rows, with outliers at 50', v, all],
    ['every third row', v, all.filter((i) => i % 3 === 0)],
    ['999 rows (no quantile cut)', v, all.slice(0, 999)],
    ['one row', v, all.slice(1, 2)],
    ['no rows', v, new Int32Array(0)],
    ['flat values', new Float32Array(3000).fill(0.1), Int32Array.from({ length: 3000 }, (_, i) => i)],
    ['only NaN', Float32Array.of(NaN, NaN), Int32Array.of(0, 1)],
  ];
  for (const [what, values, at] of cases) {
    const got = axisRange(values, at),
      want = reference(values, at);
    assert.deepEqual(
      got.map((x) => Math.fround(x)),
      want.map((x) => Math.fround(x)),
      what,
    );
  }
  // The outliers at 50 lie beyond the axis and are counted there.
  const [lo, hi, out] = axisRange(v, all);
  assert.ok(lo < 0.01 && hi < 0.5 && out >= 20, `[${lo}, ${hi}], ${out} beyond`);
});
