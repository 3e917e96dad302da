import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Rng } from '../src/core/rng';
import { forBlocks, gather, rowRange, sideBySide, toShared } from '../src/core/rows';
import { columnStats, standardized } from '../src/core/space';

const rng = new Rng(4);
const matrix = (n: number, d: number) => Float32Array.from({ length: n * d }, () => rng.normal() * 3 + 1);

test('a joint input gathers the same rows as one concatenated matrix would hold', () => {
  const [n, da, db] = [50, 3, 5];
  const [a, b] = [matrix(n, da), matrix(n, db)];
  const rows = Int32Array.from([7, 0, 49, 7, 12]);
  const got = gather(sideBySide({ data: a, dim: da }, { data: b, dim: db }), rows);
  assert.equal(got.length, rows.length * (da + db));
  rows.forEach((r, i) => {
    assert.deepEqual(got.subarray(i * 8, i * 8 + da), a.subarray(r * da, r * da + da));
    assert.deepEqual(got.subarray(i * 8 + da, i * 8 + 8), b.subarray(r * db, r * db + db));
  });
});

test('standardized features read the z-scores a z-scored copy holds, constant columns left out', () => {
  const [n, d] = [200, 4];
  const x = matrix(n, d);
  for (let i = 0; i < n; i++) x[i * d + 2] = 5; // a constant column
  const stats = columnStats(x, n, d);
  const z = standardized(x, d, stats);
  assert.equal(z.dim, 3);
  assert.equal(z.data, x, 'no copy of the features');
  const copy = new Float32Array(n * 3);
  for (let i = 0; i < n; i++)
    [0, 1, 3].forEach((j, c) => (copy[i * 3 + c] = (x[i * d + j] - stats.mean[j]) / stats.std[j]));
  assert.deepEqual(rowRange(sideBySide(z), 0, n), copy, 'bit for bit');
  // Beside another part, in a joint input.
  const other = matrix(n, 2);
  const joint = gather(sideBySide(z, { data: other, dim: 2 }), [9]);
  assert.deepEqual(joint, Float32Array.from([...copy.subarray(27, 30), ...other.subarray(18, 20)]));
});

test('row blocks cover the rows in order, each at most values / dim rows, at least one', () => {
  const rows = Int32Array.from({ length: 10 }, (_, i) => 100 + i);
  const seen: Array<[number[], number]> = [];
  forBlocks(rows, 4, (b, at) => seen.push([[...b], at]), 12);
  assert.deepEqual(seen, [
    [[100, 101, 102], 0],
    [[103, 104, 105], 3],
    [[106, 107, 108], 6],
    [[109], 9],
  ]);
  let blocks = 0;
  forBlocks(rows, 50, (b) => (blocks++, assert.equal(b.length, 1)), 12);
  assert.equal(blocks, 10);
  forBlocks(new Int32Array(0), 4, () => assert.fail('no block for no rows'));
});

test('toShared copies an array into shared memory once', () => {
  const a = Float32Array.from([1, 2, 3]);
  const s = toShared(a);
  assert.ok(s.buffer instanceof SharedArrayBuffer);
  assert.deepEqual(s, a);
  assert.equal(toShared(s), s);
});
