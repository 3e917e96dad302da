/**
 * What the dashboard's small charts draw of a checkpoint beyond R, U1, U2, S: the information
 * terms and the held-out accuracy of each input's p(y|x), from a result summary (the cache's
 * summary.json or the worker's message; read from disk, so checked here).
 */
import type { CheckpointPoint } from './protocol';

interface SummaryLike {
  names?: unknown;
  info?: unknown;
  probes?: unknown;
}

/** A value read from a summary as a finite number, else undefined (JSON gives null for NaN). */
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The accuracy of the probe (or logits) predicting from `modality`, when the summary lists it. */
function accuracyOf(probes: unknown, modality: string): number | undefined {
  if (!Array.isArray(probes)) return undefined;
  const p = probes.find((q: unknown) => (q as { modality?: unknown } | null)?.modality === modality) as
    { accuracy?: unknown } | undefined;
  return num(p?.accuracy);
}

/** `info` and `accuracy` of a checkpoint's point, each only when the summary has it. */
export function checkpointMetrics(summary: SummaryLike | undefined): Pick<CheckpointPoint, 'info' | 'accuracy'> {
  if (!summary) return {};
  const out: Pick<CheckpointPoint, 'info' | 'accuracy'> = {};
  const i = summary.info as { I1?: unknown; I2?: unknown; I12?: unknown } | undefined;
  const [I1, I2, I12] = [num(i?.I1), num(i?.I2), num(i?.I12)];
  if (I1 !== undefined && I2 !== undefined && I12 !== undefined) out.info = { I1, I2, I12 };
  const names = summary.names;
  if (Array.isArray(names) && typeof names[0] === 'string' && typeof names[1] === 'string') {
    const acc = {
      x1: accuracyOf(summary.probes, names[0]),
      x2: accuracyOf(summary.probes, names[1]),
      x12: accuracyOf(summary.probes, `${names[0]}+${names[1]}`),
    };
    const known = Object.fromEntries(Object.entries(acc).filter(([, v]) => v !== undefined));
    if (Object.keys(known).length) out.accuracy = known;
  }
  return out;
}

/** A checkpoint's time: the dump's mtime when recorded (the status file writes -1 when not), else `fallback`. */
export const checkpointTime = (mtimeMs: number | undefined, fallback?: number): number | undefined =>
  mtimeMs !== undefined && mtimeMs > 0 ? mtimeMs : fallback;
