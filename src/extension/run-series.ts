import type { JobRecord } from '../runs/status';
import { rootResults } from '../runs/layout';
import { checkpointNames, runNames } from '../runs/names';
import type { RunConfig } from '../runs/run-config';
import { checkpointMetrics, checkpointTime } from '../shared/checkpoint-metrics';
import type { CheckpointPoint, DisplayNames, HostToWebview, RunSeries, ValueOrigin } from '../shared/protocol';
import type { Checkpoint } from './runs-tree';
import { rootOf } from './workspace-config';

export interface RunLabel {
  name: string;
  fusion?: string;
}

/** What the panels show of one checkpoint beyond its values: its names and where its values came from. */
export type CheckpointNames = DisplayNames & ValueOrigin;

/**
 * Display names and fusion labels from each run's run.json (read once per run and pipeline
 * start), and each analyzed checkpoint's names and value source (from its cached summary,
 * read once per result).
 */
export class RunLabels {
  private readonly runConfigs = new Map<string, RunLabel & { config: RunConfig }>();
  private readonly checkpointNames = new Map<string, CheckpointNames>();
  private readonly checkpointMetrics = new Map<string, Pick<CheckpointPoint, 'info' | 'accuracy'>>();

  of(job: JobRecord): RunLabel {
    const { name, fusion } = this.configOf(job);
    return { name, fusion };
  }

  private configOf(job: JobRecord): RunLabel & { config: RunConfig } {
    const root = rootOf(job.file),
      key = `${root}\0${job.run}`;
    let c = this.runConfigs.get(key);
    if (!c) {
      // A bad run.json (or run folder) only loses the display names.
      const config = root ? runNames(root, job.run) : {};
      c = { name: config.name ?? job.run, fusion: config.fusion, config };
      this.runConfigs.set(key, c);
    }
    return c;
  }

  /** A checkpoint's names (its dump's, else its run.json's) and value source; empty until its result is cached. */
  namesOf(job: JobRecord): CheckpointNames {
    const root = rootOf(job.file);
    if (!root || !job.key) return {};
    const key = `${root}\0${job.run}\0${job.key}`;
    let n = this.checkpointNames.get(key);
    if (!n) {
      const summary = rootResults(root).get(job.key)?.summary;
      if (!summary) return {};
      n = checkpointNames(summary, this.configOf(job).config);
      this.checkpointNames.set(key, n);
    }
    return n;
  }

  /** A checkpoint's information terms and probe accuracies (from its cached summary); empty until cached. */
  metricsOf(job: JobRecord): Pick<CheckpointPoint, 'info' | 'accuracy'> {
    const root = rootOf(job.file);
    if (!root || !job.key) return {};
    const key = `${root}\0${job.run}\0${job.key}`;
    let m = this.checkpointMetrics.get(key);
    if (!m) {
      const summary = rootResults(root).get(job.key)?.summary;
      if (!summary) return {};
      m = checkpointMetrics(summary);
      this.checkpointMetrics.set(key, m);
    }
    return m;
  }

  clear(): void {
    this.runConfigs.clear();
    this.checkpointNames.clear();
    this.checkpointMetrics.clear();
  }
}

const xOf = (j: JobRecord) => j.step ?? j.epoch ?? 0;

/** The dashboard's runs: each run's analyzed checkpoints, in the order they were found, named as its latest one names things. */
export function runSeries(checkpoints: Map<string, Checkpoint>, labels: RunLabels): RunSeries[] {
  const runs = new Map<string, RunSeries>();
  const latest = new Map<string, number>();
  for (const c of checkpoints.values()) {
    if (!c.dataset) continue;
    const { modalityNames, classNames, ...origin } = labels.namesOf(c.job);
    const s = runs.get(c.job.run) ?? { run: c.job.run, ...labels.of(c.job), points: [] };
    const time = checkpointTime(c.job.mtimeMs, c.job.updatedAt || undefined);
    s.points.push({
      file: c.job.file,
      epoch: c.job.epoch,
      step: c.job.step,
      ...c.dataset,
      ...(c.intervals ? { intervals: c.intervals } : {}),
      ...(time !== undefined ? { time } : {}),
      ...labels.metricsOf(c.job),
      ...origin,
    });
    if (xOf(c.job) >= (latest.get(c.job.run) ?? -Infinity)) {
      latest.set(c.job.run, xOf(c.job));
      s.modalityNames = modalityNames;
      s.classNames = classNames;
    }
    runs.set(c.job.run, s);
  }
  return [...runs.values()];
}

/**
 * A live update completed with what the cache knows of its checkpoint: where its values came
 * from and its run's names (the pipeline's message carries the values only).
 */
export function withNames(m: HostToWebview, checkpoints: Map<string, Checkpoint>, labels: RunLabels): HostToWebview {
  if (m.type !== 'checkpoint') return m;
  const job = checkpoints.get(m.point.file)?.job;
  if (!job) return m;
  const { modalityNames, classNames, ...origin } = labels.namesOf(job);
  return {
    ...m,
    point: { ...m.point, ...origin },
    ...(modalityNames || classNames ? { names: { modalityNames, classNames } } : {}),
  };
}
