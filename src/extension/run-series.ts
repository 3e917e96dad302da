import type { JobRecord } from '../runs/status';
import { readRunConfig } from '../runs/run-config';
import { resolveInside } from '../store/safe-path';
import type { RunSeries } from '../shared/protocol';
import type { Checkpoint } from './runs-tree';
import { rootOf } from './workspace-config';

export interface RunLabel {
  name: string;
  fusion?: string;
}

/** Display names and fusion labels from each run's run.json (read once per run and pipeline start). */
export class RunLabels {
  private readonly runConfigs = new Map<string, RunLabel>();

  of(job: JobRecord): RunLabel {
    const root = rootOf(job.file),
      key = `${root}\0${job.run}`;
    let c = this.runConfigs.get(key);
    if (!c) {
      let cfg: ReturnType<typeof readRunConfig> = {};
      try {
        if (root) cfg = readRunConfig(resolveInside(root, job.run, 'run folder'));
      } catch {
        /* a bad run.json (or run folder) only loses the display name */
      }
      c = { name: cfg.name ?? job.run, fusion: cfg.fusion };
      this.runConfigs.set(key, c);
    }
    return c;
  }

  clear(): void {
    this.runConfigs.clear();
  }
}

/** The dashboard's runs: each run's analyzed checkpoints, in the order they were found. */
export function runSeries(checkpoints: Map<string, Checkpoint>, labels: RunLabels): RunSeries[] {
  const runs = new Map<string, RunSeries>();
  for (const c of checkpoints.values()) {
    if (!c.dataset) continue;
    const s = runs.get(c.job.run) ?? { run: c.job.run, ...labels.of(c.job), points: [] };
    s.points.push({
      file: c.job.file,
      epoch: c.job.epoch,
      step: c.job.step,
      ...c.dataset,
      ...(c.intervals ? { intervals: c.intervals } : {}),
    });
    runs.set(c.job.run, s);
  }
  return [...runs.values()];
}
