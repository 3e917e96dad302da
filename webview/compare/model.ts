/** The compare panel's state: checkpoints A and B, and the interaction the per-sample views show. */
import type { SampleData } from '../../src/shared/protocol';
import type { VsCodeApi } from '../vscode-api';
import type { Interaction, SampleKey } from '../interactions';
import { classLabel, interactionLabel, sharedModalityNames } from '../labels';

/** `a`, `b` let VS Code restore the panel after a reload (the host reloads both checkpoints). */
export interface ViewState {
  key: SampleKey;
  a?: string;
  b?: string;
}

export interface Compare {
  root: HTMLElement;
  vscode: VsCodeApi;
  state: ViewState;
  A?: SampleData;
  B?: SampleData;
}

/** Rows of A and B that are the same sample (by position in the dump). */
export type Pairs = Array<[number, number]>;

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

export function pairs(A: SampleData, B: SampleData): Pairs {
  const posB = new Map<number, number>();
  for (let j = 0; j < B.n; j++) posB.set(idx(B, j), j);
  const out: Pairs = [];
  for (let i = 0; i < A.n; i++) {
    const j = posB.get(idx(A, i));
    if (j !== undefined) out.push([i, j]);
  }
  return out;
}
