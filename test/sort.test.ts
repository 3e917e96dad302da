import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { orderRows } from '../webview/sort';
import { Rng } from '../src/core/rng';

/** The order the explorer promises: by float32 key, ties in ascending row order. */
function reference(rows: Int32Array, key: ArrayLike<number>, desc: boolean): Int32Array {
  const sign = desc ? -1 : 1;
  return Int32Array.from(rows).sort((a, b) => (Math.fround(key[a]) - Math.fround(key[b])) * sign || a - b);
}

test('orderRows sorts by key both ways, ties in row order, negatives and zeros included', () => {
  const rng = new Rng(3);
  const n = 20_000;
  // Few distinct values (many ties), negative and positive, and both signed zeros.
  const key = Float32Array.from({ length: n }, (_, i) =>
    i % 97 === 0 ? (i % 2 ? -0 : 0) : Math.round((rng.next() - 0.5) * 50) / 7,
  );
  const rows = Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1);
  for (const desc of [false, true]) {
    const got = orderRows(rows, key, desc);
    const want = reference(rows, key, desc);
    assert.deepEqual(Array.from(got), Array.from(want), desc ? 'descending' : 'ascending');
  }
  assert.deepEqual(Array.from(orderRows(new Int32Array(0), key, false)), []);
});

test('orderRows falls back to a comparator past 2^21 rows and gives the same order', () => {
  const n = 2 ** 21 + 5;
  const key = new Float32Array(n);
  const rows = Int32Array.from([n - 1, 5, n - 3, 7, 2 ** 21, 0]);
  [n - 1, 5, n - 3, 7, 2 ** 21, 0].forEach((i, k) => {
    key[i] = [0.5, -1, 0.5, 3, -1, 0][k];
  });
  assert.deepEqual(Array.from(orderRows(rows, key, false)), [5, 2 ** 21, 0, n - 3, n - 1, 7]);
  assert.deepEqual(Array.from(orderRows(rows, key, true)), [7, n - 3, n - 1, 0, 5, 2 ** 21]);
});
