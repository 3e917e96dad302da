import type { JobRecord } from '../runs/status';
import { rootResults } from '../runs/layout';
import { checkpointNames, runNames } from '../runs/names';
import type { RunConfig } from '../runs/run-config';
import { checkpointMetrics, checkpointTime } from '../shared/checkpoint-metrics';
import type { ResultSummary } from '../core/summary';
import type { CheckpointPoint, DisplayNames, RunSeries, ValueOrigin } from '../shared/protocol';
import type { Checkpoint } from './runs-tree';
import { rootOf } from './workspace-config';

export interface RunLabel {
  name: string;
  fusion?: string;
}

/** What the panels show of one checkpoint beyond its values: its names and where its values came from. */
export type CheckpointNames = DisplayNames & ValueOrigin;

/** What the panels show of a checkpoint besides R, U1, U2, S, derived once from its summary. */
interface CheckpointDetails {
  names: CheckpointNames;
  metrics: Pick<CheckpointPoint, 'info' | 'accuracy'>;
}

/**
 * Display names and fusion labels from each run's run.json (read once per run and pipeline
 * start), and each analyzed checkpoint's names, value source and metrics (from its summary:
 * the one a result brought, else the cached one, read once).
 */
export class RunLabels {
  private readonly runConfigs = new Map<string, RunLabel & { config: RunConfig }>();
  private readonly details = new Map<string, CheckpointDetails>();

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

  /** Derives a checkpoint's details from the summary its result brought (no cache read). */
  remember(job: JobRecord, summary: ResultSummary): void {
    const key = this.detailsKey(job);
    if (key) this.details.set(key, this.derive(job, summary));
  }

  /** A checkpoint's names (its dump's, else its run.json's) and value source; empty until its result is cached. */
  namesOf(job: JobRecord): CheckpointNames {
    return this.detailsOf(job)?.names ?? {};
  }

  /** A checkpoint's information terms and probe accuracies; empty until its result is cached. */
  metricsOf(job: JobRecord): Pick<CheckpointPoint, 'info' | 'accuracy'> {
    return this.detailsOf(job)?.metrics ?? {};
  }

  clear(): void {
    this.runConfigs.clear();
    this.details.clear();
  }

  private detailsKey(job: JobRecord): string | undefined {
    const root = rootOf(job.file);
    return root && job.key ? `${root}\0${job.run}\0${job.key}` : undefined;
  }

  private detailsOf(job: JobRecord): CheckpointDetails | undefined {
    const key = this.detailsKey(job);
    if (!key) return undefined;
    let d = this.details.get(key);
    if (!d) {
      const summary = rootResults(rootOf(job.file)!).get(job.key!)?.summary;
      if (!summary) return undefined;
      d = this.derive(job, summary);
      this.details.set(key, d);
    }
    return d;
  }

  private derive(job: JobRecord, summary: ResultSummary): CheckpointDetails {
    return { names: checkpointNames(summary, this.configOf(job).config), metrics: checkpointMetrics(summary) };
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
