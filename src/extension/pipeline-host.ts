import * as vscode from 'vscode';
import type { Settings } from '../core/estimator';
import { Pipeline } from '../runs/pipeline';
import { ACTIVE_RUN_MS, JobRecord } from '../runs/status';
import { checkpointTime } from '../shared/checkpoint-metrics';
import { valueSource, valueSourceLabel } from '../shared/value-source';
import type { JobOutcome } from '../worker/client';
import type { Panel } from './panels';
import type { RunLabels } from './run-series';
import type { Checkpoint, RunsTree } from './runs-tree';
import { workerOptions } from './settings';
import type { StatusBar } from './status-bar';
import { ViewProgress } from './view-progress';
import { configuredRoots, listedRoots, SettingsReader } from './workspace-config';

export interface PipelineHostDeps {
  checkpoints: Map<string, Checkpoint>;
  labels: RunLabels;
  tree: RunsTree;
  status: StatusBar;
  output: vscode.LogOutputChannel;
  /** The open dashboard, if any: new results are posted to it. */
  dashboard: () => Panel | undefined;
}

/**
 * The pipeline of src/runs (watcher, queue, worker process, cache) for the configured roots,
 * mirrored into the Runs view, the dashboard, the status bar and the log. `start` (re)starts
 * it from the current settings; in Restricted Mode, or with no runs folder, none runs.
 */
export class PipelineHost implements vscode.Disposable {
  pipeline: Pipeline | undefined;
  private readonly settings: SettingsReader;
  /** The Runs view's progress bar while anything is analyzed. */
  private readonly progress = new ViewProgress('lsmi.runs');

  constructor(private readonly deps: PipelineHostDeps) {
    this.settings = new SettingsReader(deps.output);
  }

  start(): void {
    const { checkpoints, labels, tree, status } = this.deps;
    void this.pipeline?.close();
    checkpoints.clear();
    labels.clear();
    this.pipeline = undefined;
    void vscode.commands.executeCommand('setContext', 'lsmi.analyzing', false);
    this.progress.end();
    if (!vscode.workspace.isTrusted) {
      if (!listedRoots().length) {
        status.hide();
        tree.refresh();
        return;
      }
      status.set(
        'restricted',
        'Restricted Mode: LSMI Lens reads no runs folder until this workspace is trusted (click to manage trust)',
      );
      tree.refresh();
      return;
    }
    const s = this.settings.read();
    const r = configuredRoots();
    if (!r.length) {
      status.hide();
      tree.refresh();
      return;
    }
    const settings: Partial<Settings> = {
      folds: s.folds,
      seed: s.seed,
      holdout: s.holdout,
      adjust: s.adjust,
      useLogits: s.useLogits,
      entropyDim: s.entropyDim,
      probeDim: s.probeDim,
      kernels: s.kernels,
    };
    this.pipeline = new Pipeline({
      roots: r,
      settings,
      backend: s.backend,
      worker: workerOptions(s),
      prestartMs: ACTIVE_RUN_MS,
    });
    this.listen(this.pipeline);
    this.pipeline.start();
    status.set('watching');
  }

  dispose(): void {
    this.progress.dispose();
    void this.pipeline?.close();
  }

  private listen(pipeline: Pipeline): void {
    const { checkpoints, tree, status, output } = this.deps;
    const update = (job: JobRecord) => {
      const prev = checkpoints.get(job.file);
      checkpoints.set(job.file, {
        job: { ...job },
        ...(job.state === 'done'
          ? { dataset: prev?.dataset, intervals: prev?.intervals, source: prev?.source, sourceLabel: prev?.sourceLabel }
          : {}),
      });
      tree.refresh();
    };
    pipeline
      .on('waiting', update)
      .on('queued', update)
      .on('started', update)
      .on('failed', (job) => update(job))
      .on('cancelled', update);
    pipeline.on('progress', (job: JobRecord, phase: string, fraction: number) =>
      status.set(`${phase} ${(100 * fraction).toFixed(0)}%`, `analyzing ${job.file}`),
    );
    pipeline.on('result', (job: JobRecord, out: JobOutcome) => this.onResult(job, out));
    pipeline.on('failed', (job: JobRecord) => output.error(`${job.file}: ${job.error}`));
    pipeline.on('removed', (file: string) => {
      checkpoints.delete(file);
      tree.refresh();
    });
    pipeline.on('warning', (w: string) => output.warn(w));
    // Cancel Analysis makes sense only while something runs (its command palette entry reads this key).
    const analyzing = (on: boolean) => void vscode.commands.executeCommand('setContext', 'lsmi.analyzing', on);
    pipeline.on('started', () => {
      analyzing(true);
      this.progress.begin();
    });
    pipeline.on('idle', () => {
      analyzing(false);
      this.progress.end();
      status.set('idle');
    });
  }

  private onResult(job: JobRecord, out: JobOutcome): void {
    const { checkpoints, labels, tree, status, output, dashboard } = this.deps;
    status.backend = out.backend;
    const dataset = out.summary.dataset;
    const intervals = out.summary.intervals;
    const { probes } = out.summary;
    checkpoints.set(job.file, {
      job: { ...job },
      dataset,
      intervals,
      source: valueSource(probes),
      sourceLabel: valueSourceLabel(probes),
    });
    tree.refresh();
    labels.remember(job, out.summary);
    const { modalityNames, classNames, ...origin } = labels.namesOf(job);
    dashboard()?.post({
      type: 'checkpoint',
      run: job.run,
      name: labels.of(job).name,
      point: {
        file: job.file,
        epoch: job.epoch,
        step: job.step,
        ...dataset!,
        ...(intervals ? { intervals } : {}),
        time: checkpointTime(job.mtimeMs, Date.now()),
        ...labels.metricsOf(job),
        ...origin,
      },
      ...(modalityNames || classNames ? { names: { modalityNames, classNames } } : {}),
    });
    output.info(
      `${job.file}: R ${dataset!.R.toFixed(3)} U1 ${dataset!.U1.toFixed(3)} U2 ${dataset!.U2.toFixed(3)} S ${dataset!.S.toFixed(3)}${out.cached ? ' (cached)' : ''}`,
    );
  }
}
