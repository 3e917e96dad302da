/**
 * Which rows of two checkpoints hold the same sample, for the compare panel (GitHub issue 14).
 * Two dumps may hold their samples in different orders, or not quite the same samples: when
 * both have sample ids (their `ids` tensors) rows are paired by id, else by their position in
 * the dump, and what could not be paired is counted. Pure and O(n): one Map over B's keys.
 */

/** What rows are paired by: the dumps' sample ids, or the rows' positions in the dumps. */
export type PairBy = 'id' | 'position';

/** What pairing reads of a checkpoint (SampleData has these fields). */
export interface PairSide {
  n: number;
  /** the dump's sample id of each row (its `ids` tensor), when it has one */
  ids?: ArrayLike<number>;
  /** each row's position in the dump (training-only rows are left out); identity when absent */
  inputIndex?: ArrayLike<number>;
}

export interface Pairing {
  by: PairBy;
  /** [row of A, row of B] of each sample both hold, in A's row order */
  pairs: Array<[number, number]>;
  /** rows (first of their key) whose id or position the other checkpoint lacks */
  onlyA: number;
  onlyB: number;
  /** rows whose id an earlier row of the same dump already holds: the first is paired, these are not */
  repeatedA: number;
  repeatedB: number;
  /** set when rows are paired by position because ids are missing: in both dumps, or in A or B only */
  missingIds?: 'both' | 'a' | 'b';
}

/** The ways the two checkpoints can be paired, the default first: by id only when both have ids. */
export function pairModes(a: PairSide, b: PairSide): PairBy[] {
  return a.ids && b.ids ? ['id', 'position'] : ['position'];
}

/**
 * Pairs the rows of A and B by `by` (by position whatever is asked when a dump has no ids).
 * A key (id or position) held by several rows of one dump pairs its first row; the others
 * count as repeated and stay unpaired.
 */
export function pairSamples(a: PairSide, b: PairSide, by: PairBy = 'id'): Pairing {
  const useIds = by === 'id' && !!a.ids && !!b.ids;
  const key = (d: PairSide, i: number) => (useIds ? d.ids![i] : (d.inputIndex?.[i] ?? i));
  const firstB = new Map<number, number>();
  let repeatedB = 0;
  for (let j = 0; j < b.n; j++) {
    const k = key(b, j);
    if (firstB.has(k)) repeatedB++;
    else firstB.set(k, j);
  }
  const seenA = new Set<number>();
  const pairs: Array<[number, number]> = [];
  let onlyA = 0,
    repeatedA = 0;
  for (let i = 0; i < a.n; i++) {
    const k = key(a, i);
    if (seenA.has(k)) {
      repeatedA++;
      continue;
    }
    seenA.add(k);
    const j = firstB.get(k);
    if (j === undefined) onlyA++;
    else pairs.push([i, j]);
  }
  const missingIds = a.ids && b.ids ? undefined : !a.ids && !b.ids ? 'both' : !a.ids ? 'a' : 'b';
  return {
    by: useIds ? 'id' : 'position',
    pairs,
    onlyA,
    onlyB: firstB.size - pairs.length,
    repeatedA,
    repeatedB,
    ...(missingIds ? { missingIds } : {}),
  };
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * What the pairing did, in one line: "1,812 paired by id; 188 only in A, 40 only in B",
 * "2,000 paired by row position: the dumps have no ids".
 */
export function pairingNote(p: Pairing): string {
  const why = {
    both: ': the dumps have no ids',
    a: ': A has no ids',
    b: ': B has no ids',
  };
  const parts = [
    `${count(p.pairs.length)} paired by ${p.by === 'id' ? 'id' : 'row position'}${p.missingIds ? why[p.missingIds] : ''}`,
  ];
  const only = [
    ...(p.onlyA ? [`${count(p.onlyA)} only in A`] : []),
    ...(p.onlyB ? [`${count(p.onlyB)} only in B`] : []),
  ];
  if (only.length) parts.push(only.join(', '));
  for (const [n, side] of [
    [p.repeatedA, 'A'],
    [p.repeatedB, 'B'],
  ] as const)
    if (n)
      parts.push(
        `${count(n)} ${n === 1 ? `row of ${side} repeats` : `rows of ${side} repeat`} an earlier id, left unpaired`,
      );
  return parts.join('; ');
}
