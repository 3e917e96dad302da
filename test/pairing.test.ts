import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PairSide, pairModes, pairSamples, pairingNote } from '../src/shared/pairing';
import { Rng } from '../src/core/rng';

/** A random permutation of 0..n-1. */
function permutation(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

test('ids in another order: the pairs are the permutation, nothing unpaired', () => {
  const n = 2000;
  const perm = permutation(n, new Rng(7));
  // A's row i holds sample 1e12 + i (ids past float32's integers); B's row j holds A's row perm[j].
  const a: PairSide = { n, ids: Float64Array.from({ length: n }, (_, i) => 1e12 + i) };
  const b: PairSide = { n, ids: Float64Array.from(perm, (i) => 1e12 + i) };
  assert.deepEqual(pairModes(a, b), ['id', 'position']);
  const p = pairSamples(a, b);
  const inverse = new Array<number>(n);
  perm.forEach((i, j) => (inverse[i] = j));
  assert.equal(p.by, 'id');
  assert.deepEqual(
    p.pairs,
    inverse.map((j, i) => [i, j]),
  );
  assert.deepEqual([p.onlyA, p.onlyB, p.repeatedA, p.repeatedB, p.missingIds], [0, 0, 0, 0, undefined]);
  assert.equal(pairingNote(p), '2,000 paired by id');
  // Asked for row position, the same dumps pair row with row.
  const rows = pairSamples(a, b, 'position');
  assert.equal(rows.by, 'position');
  assert.deepEqual(
    rows.pairs,
    perm.map((_, i) => [i, i]),
  );
  assert.equal(pairingNote(rows), '2,000 paired by row position');
});

test('ids that overlap in part: what matches pairs, the rest is counted per side', () => {
  // A holds samples 0..1999, B holds 188..2039 in reverse: 1,812 shared, 188 only in A, 40 only in B.
  const a: PairSide = { n: 2000, ids: Float64Array.from({ length: 2000 }, (_, i) => i) };
  const bIds = Float64Array.from({ length: 1852 }, (_, j) => 2039 - j);
  const p = pairSamples(a, { n: bIds.length, ids: bIds });
  assert.equal(p.pairs.length, 1812);
  for (const [i, j] of p.pairs) assert.equal(a.ids![i], bIds[j]);
  assert.deepEqual([p.onlyA, p.onlyB], [188, 40]);
  assert.equal(pairingNote(p), '1,812 paired by id; 188 only in A, 40 only in B');
});

test('a repeated id pairs its first row; the repeats are counted and named', () => {
  const a: PairSide = { n: 5, ids: [10, 11, 10, 12, 10] };
  const b: PairSide = { n: 4, ids: [12, 10, 13, 12] };
  const p = pairSamples(a, b);
  assert.deepEqual(p.pairs, [
    [0, 1],
    [3, 0],
  ]);
  assert.deepEqual([p.onlyA, p.onlyB, p.repeatedA, p.repeatedB], [1, 1, 2, 1]);
  assert.equal(p.pairs.length + p.onlyA + p.repeatedA, a.n, 'every row of A is paired or counted once');
  assert.equal(p.pairs.length + p.onlyB + p.repeatedB, b.n, 'every row of B is paired or counted once');
  assert.equal(
    pairingNote(p),
    '2 paired by id; 1 only in A, 1 only in B; 2 rows of A repeat an earlier id, left unpaired; ' +
      '1 row of B repeats an earlier id, left unpaired',
  );
});

test('no ids: rows pair by their position in the dump, and the note says why', () => {
  // B left out the training-only rows 1 and 3 (inputIndex keeps the others' dump positions).
  const a: PairSide = { n: 5 };
  const b: PairSide = { n: 3, inputIndex: Int32Array.from([0, 2, 4]) };
  assert.deepEqual(pairModes(a, b), ['position']);
  const p = pairSamples(a, b, 'id');
  assert.equal(p.by, 'position');
  assert.equal(p.missingIds, 'both');
  assert.deepEqual(p.pairs, [
    [0, 0],
    [2, 1],
    [4, 2],
  ]);
  assert.deepEqual([p.onlyA, p.onlyB], [2, 0]);
  assert.equal(pairingNote(p), '3 paired by row position: the dumps have no ids; 2 only in A');
  assert.deepEqual(pairSamples(a, b, 'position'), p, 'the same, asked for rows');
  // Only one dump has ids: still by position, and the note names the one without.
  const oneSided = pairSamples({ n: 3, ids: [7, 8, 9] }, { n: 3 });
  assert.deepEqual(pairModes({ n: 3, ids: [7, 8, 9] }, { n: 3 }), ['position']);
  assert.equal(oneSided.missingIds, 'b');
  assert.equal(pairingNote(oneSided), '3 paired by row position: B has no ids');
  assert.equal(pairingNote(pairSamples({ n: 2 }, { n: 2, ids: [1, 2] })), '2 paired by row position: A has no ids');
});

test('pairing is linear: 200,000 shuffled ids pair in well under a second', () => {
  const n = 200_000;
  const perm = permutation(n, new Rng(3));
  const a: PairSide = { n, ids: Float64Array.from({ length: n }, (_, i) => 3 * i) };
  const b: PairSide = { n, ids: Float64Array.from(perm, (i) => 3 * i) };
  const t0 = performance.now();
  const p = pairSamples(a, b);
  const ms = performance.now() - t0;
  assert.equal(p.pairs.length, n);
  assert.equal(p.pairs[12345][1], perm.indexOf(12345));
  assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
});
