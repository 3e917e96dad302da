/** How the panels place and label one checkpoint of a run. */
import type { CheckpointPoint } from '../src/shared/protocol';

/** The x value of a checkpoint: step when known, else epoch. */
export function xOf(p: CheckpointPoint): number {
  return p.step ?? p.epoch ?? 0;
}

/** A run's checkpoints in training order (a copy: the run's own list is left as it came). */
export function byX(points: CheckpointPoint[]): CheckpointPoint[] {
  return [...points].sort((a, b) => xOf(a) - xOf(b));
}

/** Where a checkpoint was taken: "step 1200" or "epoch 3". */
export function at(p: CheckpointPoint): string {
  return p.step !== undefined ? `step ${p.step}` : `epoch ${p.epoch}`;
}

/**
 * A checkpoint named by the x axis a chart uses, the other coordinate after it:
 * "epoch 3 (step 1200)", "step 1200 (epoch 3)", or a wall time "14:05 (epoch 3)" (`time` formats it).
 */
export function atOn(axis: 'step' | 'epoch' | 'time', p: CheckpointPoint, time?: (ms: number) => string): string {
  const named = {
    step: p.step !== undefined ? `step ${p.step}` : undefined,
    epoch: p.epoch !== undefined ? `epoch ${p.epoch}` : undefined,
    time: p.time !== undefined && time ? time(p.time) : undefined,
  };
  const order =
    axis === 'time'
      ? (['time', 'epoch', 'step'] as const)
      : axis === 'epoch'
        ? (['epoch', 'step'] as const)
        : (['step', 'epoch'] as const);
  const parts = order.map((k) => named[k]).filter((x): x is string => !!x);
  if (!parts.length) return at(p);
  return parts.length > 1 ? `${parts[0]} (${parts.slice(1).join(', ')})` : parts[0];
}
