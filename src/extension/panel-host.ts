import * as vscode from 'vscode';
import { loadSampleData } from '../runs/samples';
import type { HostToWebview, SampleData, WebviewToHost } from '../shared/protocol';
import { exportRequest, openSampleRequest, previewRequest, trajectoryRequest } from './panel-requests';
import { Panel } from './panels';
import { RunLabels, runSeries } from './run-series';
import type { Checkpoint } from './runs-tree';
import { trusted } from './trust';
import { rootOf } from './workspace-config';

/** Every request type is handled above (a compile error names a new one); a page's unknown message is ignored. */
const unhandled = (_m: never): void => undefined;

/**
 * The webview panels the extension opens: one dashboard at most, any number of sample
 * explorers and comparisons, and the requests their pages send (open a checkpoint or a
 * sample, save an export). Every request but `ready` needs a trusted workspace.
 */
export class PanelHost {
  dashboard: Panel | undefined;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly checkpoints: Map<string, Checkpoint>,
    private readonly labels: RunLabels,
  ) {}

  /** Requests from any panel: open a checkpoint or a sample, save an export. */
  readonly onMessage = (m: WebviewToHost, p: Panel): void => {
    if (m.type !== 'ready' && !trusted()) return;
    if (m.type === 'openCheckpoint') this.openExplorer(m.file, m.sample);
    else if (m.type === 'openSample') openSampleRequest(m, this.checkpoints);
    else if (m.type === 'export' || m.type === 'exportSubset') exportRequest(m, p, this.checkpoints);
    else if (m.type === 'trajectory') trajectoryRequest(m, p, this.checkpoints);
    else if (m.type === 'preview') previewRequest(m, p, this.checkpoints);
    else if (m.type !== 'ready') unhandled(m);
  };

  /** The sample explorer of an analyzed checkpoint, optionally at one sample (position in the dump). */
  openExplorer(file: string | undefined, select?: number): void {
    if (!trusted()) return;
    const c = file ? this.checkpoints.get(file) : undefined;
    const root = c ? rootOf(c.job.file) : undefined;
    if (!c || !root || c.job.state !== 'done') {
      void vscode.window.showInformationMessage('Pick an analyzed checkpoint in the LSMI Runs view.');
      return;
    }
    const data = loadSampleData(root, c.job);
    if (!data) {
      void vscode.window.showWarningMessage(`No cached per-sample values for ${c.job.file}: use Analyze Again.`);
      return;
    }
    Panel.create(
      'samples',
      this.extensionUri,
      () => ({ type: 'init', view: 'samples', title: 'Samples', data, select }),
      this.onMessage,
    );
  }

  readonly dashboardInit = (): HostToWebview => ({
    type: 'init',
    view: 'dashboard',
    title: 'LSMI: runs',
    runs: runSeries(this.checkpoints, this.labels),
  });

  showDashboard(): void {
    if (!trusted()) return;
    if (this.dashboard) {
      this.dashboard.panel.reveal();
      return;
    }
    this.adoptDashboard(Panel.create('dashboard', this.extensionUri, this.dashboardInit, this.onMessage));
  }

  /** `dashboard` is the one dashboard until its panel closes. */
  adoptDashboard(dashboard: Panel): void {
    this.dashboard = dashboard;
    dashboard.panel.onDidDispose(() => {
      this.dashboard = undefined;
    });
  }

  openCompare(a: SampleData, b: SampleData): void {
    Panel.create(
      'compare',
      this.extensionUri,
      () => ({ type: 'init', view: 'compare', title: 'Compare', a, b }),
      this.onMessage,
    );
  }
}
