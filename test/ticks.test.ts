import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { niceTicks } from '../webview/ticks';

test('niceTicks: round steps that cover the data, printed exactly', () => {
  assert.deepEqual(niceTicks(0, 0.06), { lo: 0, hi: 0.06, ticks: [0, 0.02, 0.04, 0.06], decimals: 2 });
  assert.deepEqual(niceTicks(0, 0.59).ticks, [0, 0.2, 0.4, 0.6]);
  assert.deepEqual(niceTicks(-0.13, 0.41).ticks, [-0.2, 0, 0.2, 0.4, 0.6]);
  const big = niceTicks(0, 1234);
  assert.deepEqual([big.ticks[0], big.ticks.at(-1), big.decimals], [0, 1500, 0]);
  for (const [lo, hi] of [
    [0, 0.05],
    [0, 0.7],
    [-1.3, 2.2],
    [0.001, 0.0037],
    [0, 13],
  ] as const) {
    const t = niceTicks(lo, hi);
    assert.ok(t.lo <= lo && t.hi >= hi, `[${lo}, ${hi}] inside [${t.lo}, ${t.hi}]`);
    assert.ok(t.ticks.length >= 3 && t.ticks.length <= 9, `${t.ticks.length} ticks for [${lo}, ${hi}]`);
    const steps = t.ticks.slice(1).map((v, i) => v - t.ticks[i]);
    for (const s of steps) assert.ok(Math.abs(s - steps[0]) < 1e-9, 'even steps');
  }
  assert.deepEqual(niceTicks(0.3, 0.3).ticks.length > 1, true, 'an empty range still gets an axis');
});
