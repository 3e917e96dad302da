/**
 * What VS Code's host answers about a selected sample, done in the static report from the data
 * it embeds: the trajectory over the run's embedded checkpoints (by sample id, else by row),
 * and no preview (the report holds no sample files).
 */
import type { HostToWebview, SampleData, SampleTrajectoryPoint, WebviewToHost } from '../../src/shared/protocol';

type Request = Extract<WebviewToHost, { type: 'trajectory' | 'preview' }>;
type Reply = Extract<HostToWebview, { type: 'trajectory' | 'preview' }>;

/** The row of `d` at dump position `index` (rows of training-only samples are left out), or -1. */
function rowAt(d: SampleData, index: number): number {
  if (!d.inputIndex) return Number.isInteger(index) && index >= 0 && index < d.n ? index : -1;
  return d.inputIndex.indexOf(index);
}

/** The trajectory of dump row `index` of `file`, over the embedded checkpoints of its run. */
function trajectory(checkpoints: SampleData[], file: string, index: number): Reply {
  const own = checkpoints.find((c) => c.file === file);
  const row = own ? rowAt(own, index) : -1;
  if (!own || row < 0) return { type: 'trajectory', file, index, points: [], note: 'not in this report' };
  const id = own.ids?.[row];
  const run = checkpoints.filter((c) => c.run === own.run);
  const points: SampleTrajectoryPoint[] = [];
  for (const c of run) {
    const j = id === undefined ? rowAt(c, index) : (c.ids?.indexOf(id) ?? -1);
    if (j < 0) continue;
    points.push({
      file: c.file,
      ...(c.epoch !== undefined ? { epoch: c.epoch } : {}),
      r: c.r[j],
      u1: c.u1[j],
      u2: c.u2[j],
      s: c.s[j],
    });
  }
  points.sort((a, b) => (a.epoch ?? 0) - (b.epoch ?? 0));
  const at = run.map((c) => (c.epoch !== undefined ? `epoch ${c.epoch}` : c.file.split(/[\\/]/).pop()!));
  const note = `the ${run.length} checkpoint${run.length === 1 ? '' : 's'} of this run embedded in the report (${at.join(', ')}); lsmi report --samples all embeds every one`;
  return { type: 'trajectory', file, index, points, byPosition: id === undefined, note };
}

export function reportDetail(checkpoints: SampleData[], m: Request): Reply {
  if (m.type === 'trajectory') return trajectory(checkpoints, m.file, m.index);
  return { type: 'preview', file: m.file, index: m.index, note: 'previews open in VS Code' };
}
