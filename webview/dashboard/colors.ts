/** Colours of the dashboard: one per run (stable across panels and reloads), one per interaction. */
import type { RunSeries } from '../../src/shared/protocol';
import type { Interaction } from '../interactions';
import { PALETTE, paletteCss } from '../palette';

/** Colours of the interactions when a chart holds one run (the same as the composition bars). */
export const KEY_COLOR: Record<Interaction, string> = {
  R: 'var(--vscode-charts-blue, #3794ff)',
  U1: 'var(--vscode-charts-green, #89d185)',
  U2: 'var(--vscode-charts-yellow, #cca700)',
  S: 'var(--vscode-charts-red, #f14c4c)',
};

/** Stable colour slot of a run: the same run keeps its colour across panels and reloads. */
export function runColorIndex(run: string, slots: number): number {
  let h = 2166136261;
  for (let i = 0; i < run.length; i++) h = Math.imul(h ^ run.charCodeAt(i), 16777619);
  return (h >>> 0) % slots;
}

/**
 * Each run keeps the colour of its name's hash slot; on a collision the later run (by name)
 * takes the next free slot, so runs on screen never share a colour while slots last.
 */
export function assignColors(runs: RunSeries[]): Map<string, number> {
  const used = new Set<number>();
  const slots = new Map<string, number>();
  for (const run of runs.map((r) => r.run).sort()) {
    let i = runColorIndex(run, PALETTE.length);
    for (let k = 0; k < PALETTE.length && used.has(i); k++) i = (i + 1) % PALETTE.length;
    used.add(i);
    slots.set(run, i);
  }
  return slots;
}

/** A run's colour as CSS. */
export function colorOf(slots: Map<string, number>, run: string): string {
  return paletteCss(slots.get(run) ?? runColorIndex(run, PALETTE.length));
}
