import * as vscode from 'vscode';
import { JobRecord, savedJobs } from '../runs/status';
import { loadSampleData } from '../runs/samples';
import type { SampleData } from '../shared/protocol';
import type { PanelHost } from './panel-host';
import { Panel, VIEW_TYPE } from './panels';
import type { Checkpoint } from './runs-tree';
import type { TrustGate } from './trust';
import { rootOf } from './workspace-config';

/**
 * Panels come back after a reload: samples and compare panels from the checkpoint files they
 * saved, the dashboard as it is. In Restricted Mode each waits for trust (TrustGate).
 */
export function registerPanelSerializers(
  context: vscode.ExtensionContext,
  panels: PanelHost,
  gate: TrustGate,
  checkpoints: Map<string, Checkpoint>,
): void {
  const dataOf = (file?: unknown) => savedSampleData(checkpoints, file);
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE.samples, {
      deserializeWebviewPanel: async (panel, state?: { file?: unknown }) =>
        gate.restore(panel, () => {
          const data = dataOf(state?.file);
          if (!data) {
            panel.dispose();
            return;
          }
          new Panel(
            'samples',
            panel,
            context.extensionUri,
            () => ({ type: 'init', view: 'samples', title: 'Samples', data }),
            panels.onMessage,
          );
        }),
    }),
  );
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE.compare, {
      deserializeWebviewPanel: async (panel, state?: { a?: unknown; b?: unknown }) =>
        gate.restore(panel, () => {
          const a = dataOf(state?.a),
            b = dataOf(state?.b);
          if (!a || !b) {
            panel.dispose();
            return;
          }
          new Panel(
            'compare',
            panel,
            context.extensionUri,
            () => ({ type: 'init', view: 'compare', title: 'Compare', a, b }),
            panels.onMessage,
          );
        }),
    }),
  );
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE.dashboard, {
      deserializeWebviewPanel: async (panel) =>
        gate.restore(panel, () => {
          if (panels.dashboard) {
            panel.dispose();
            panels.dashboard.panel.reveal();
            return;
          }
          panels.adoptDashboard(
            new Panel('dashboard', panel, context.extensionUri, panels.dashboardInit, panels.onMessage),
          );
        }),
    }),
  );
}

/** The analyzed job of a checkpoint file in a configured root: known now, or saved in its root's status. */
function savedJob(checkpoints: Map<string, Checkpoint>, file: string): JobRecord | undefined {
  const root = rootOf(file);
  if (!root) return undefined;
  return checkpoints.get(file)?.job ?? savedJobs(root).find((r) => r.file === file && r.state === 'done');
}

/** The per-sample values of a checkpoint a restored panel names (its state is not trusted). */
function savedSampleData(checkpoints: Map<string, Checkpoint>, file?: unknown): SampleData | undefined {
  const j = typeof file === 'string' ? savedJob(checkpoints, file) : undefined;
  const root = j ? rootOf(j.file) : undefined;
  return j && root ? loadSampleData(root, j) : undefined;
}
