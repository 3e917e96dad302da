/**
 * The four interactions of a partial information decomposition: redundancy R, the
 * uniquenesses U1 and U2 and synergy S. Dataset values are upper case (CheckpointPoint,
 * ClassRow); per-sample arrays of SampleData are lower case.
 */
export const INTERACTIONS = ['R', 'U1', 'U2', 'S'] as const;
export type Interaction = (typeof INTERACTIONS)[number];

/** A per-sample interaction: the name of one of SampleData's arrays. */
export type SampleKey = 'r' | 'u1' | 'u2' | 's';
export const SAMPLE_KEYS: readonly SampleKey[] = ['r', 'u1', 'u2', 's'];

/**
 * What the explorer's scatter can plot: an interaction, or i, their sum: the sample's whole
 * label information i(x1,x2;y) (the decomposition adds up to it).
 */
export type AxisKey = SampleKey | 'i';
export const AXIS_KEYS: readonly AxisKey[] = [...SAMPLE_KEYS, 'i'];

/** The dataset name of a per-sample interaction ('u1' is 'U1'). */
export const UPPER: Record<SampleKey, Interaction> = { r: 'R', u1: 'U1', u2: 'U2', s: 'S' };

/** The interaction with the largest value for a sample ('r', 'u1', 'u2' or 's'). */
export function dominant(r: number, u1: number, u2: number, s: number): SampleKey {
  const v = [r, u1, u2, s];
  const i = v.indexOf(Math.max(...v));
  return (['r', 'u1', 'u2', 's'] as const)[i];
}
