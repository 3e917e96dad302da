/** The compare panel's state: checkpoints A and B, and the interaction the per-sample views show. */
import type { SampleData } from '../../src/shared/protocol';
import { PairBy, Pairing, pairModes, pairSamples } from '../../src/shared/pairing';
import type { VsCodeApi } from '../vscode-api';
import type { Interaction, SampleKey } from '../interactions';
import { classLabel, interactionLabel, sharedModalityNames } from '../labels';

/**
 * `a`, `b` let VS Code restore the panel after a reload (the host reloads both checkpoints);
 * `by`: what the reader pairs samples by (by id when both dumps have ids, unless they chose rows).
 */
export interface ViewState {
  key: SampleKey;
  a?: string;
  b?: string;
  by?: PairBy;
}

export interface Compare {
  root: HTMLElement;
  vscode: VsCodeApi;
  state: ViewState;
  A?: SampleData;
  B?: SampleData;
}

/** Rows of A and B that are the same sample: [row of A, row of B]. */
export type Pairs = Pairing['pairs'];

export function createCompare(root: HTMLElement, vscode: VsCodeApi): Compare {
  return { root, vscode, state: { key: 's', ...((vscode.getState() as { key?: SampleKey }) ?? {}) } };
}

/** How a checkpoint is named on the page: "late-fusion · epoch 4". */
export const label = (d: SampleData) => `${d.run}${d.epoch !== undefined ? ` · epoch ${d.epoch}` : ''}`;

/** An interaction named with its modality when A and B agree on its name: "U1 (audio)", "u1 (audio)". */
export const keyName = (c: Compare, k: Interaction | SampleKey) =>
  interactionLabel(k, sharedModalityNames([c.A ?? {}, c.B ?? {}]));

/** A class's name: A's, else B's (the host's names, the dump's first), else its number. */
export const classOf = (c: Compare, k: number) =>
  c.A?.classNames?.[k] ?? c.B?.classNames?.[k] ?? classLabel(undefined, k);

/** A row's position in the dump. */
export const idx = (d: SampleData, i: number) => d.inputIndex?.[i] ?? i;

/** A signed change: "+0.100", "-0.020". */
export const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(3)}`;

/** The ways A and B can be paired, and how they are: the reader's choice when it is one of them. */
export function pairing(c: Compare): { modes: PairBy[]; pairing: Pairing } {
  const modes = pairModes(c.A!, c.B!);
  const by = c.state.by && modes.includes(c.state.by) ? c.state.by : modes[0];
  return { modes, pairing: pairSamples(c.A!, c.B!, by) };
}

/** The mean of |B - A| of the sample key over the pairs (0 when there are none). */
export function meanAbsChange(c: Compare, ps: Pairs): number {
  const a = c.A![c.state.key],
    b = c.B![c.state.key];
  let sum = 0;
  for (const [i, j] of ps) sum += Math.abs(b[j] - a[i]);
  return ps.length ? sum / ps.length : 0;
}
