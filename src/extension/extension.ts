import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { PanelHost } from './panel-host';
import { registerPanelSerializers } from './panel-restore';
import { PipelineHost } from './pipeline-host';
import { RunLabels } from './run-series';
import { Checkpoint, RunsTree } from './runs-tree';
import { StatusBar } from './status-bar';
import { TrustGate } from './trust';
import { configuredRoots } from './workspace-config';

/**
 * VS Code glue only: the pipeline (watcher, queue, worker process, cache) lives in src/runs
 * and src/worker and runs the same under `lsmi watch`. Nothing runs until the workspace is
 * trusted: in Restricted Mode no command, panel or restored panel reads or writes a runs root
 * (they may come from a cloned repository), and no worker starts (see trust.ts).
 *
 * Where things are:
 * - pipeline-host.ts   starts the pipeline for the configured roots and mirrors its events
 * - workspace-config.ts the runs roots and the checked settings of this workspace
 * - runs-tree.ts       the Runs view; status-bar.ts the status bar item
 * - panel-host.ts      the webview panels and their requests (panel-requests.ts)
 * - panel-restore.ts   panels coming back after a reload
 * - commands.ts        the lsmi.* commands (compare.ts: Compare Checkpoints)
 */
/** What activate returns: the extension-host suite reads the Runs view through it. */
export interface LsmiApi {
  tree: RunsTree;
  checkpoints(): Map<string, Checkpoint>;
}

export function activate(context: vscode.ExtensionContext): LsmiApi {
  const output = vscode.window.createOutputChannel('LSMI Lens', { log: true });
  const status = new StatusBar();
  context.subscriptions.push(output, status);
  const checkpoints = new Map<string, Checkpoint>();
  const labels = new RunLabels();
  const panels = new PanelHost(context.extensionUri, checkpoints, labels);
  const tree = new RunsTree(() => checkpoints, configuredRoots);
  context.subscriptions.push(vscode.window.registerTreeDataProvider('lsmi.runs', tree));
  const pipelines = new PipelineHost({ checkpoints, labels, tree, status, output, dashboard: () => panels.dashboard });

  registerCommands({ context, output, checkpoints, labels, panels, pipelines });
  const gate = new TrustGate();
  registerPanelSerializers(context, panels, gate, checkpoints);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('lsmi') && vscode.workspace.isTrusted) pipelines.start();
    }),
  );
  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      pipelines.start();
      gate.reviveAll();
    }),
  );
  context.subscriptions.push(pipelines);
  pipelines.start();
  return { tree, checkpoints: () => checkpoints };
}

export function deactivate(): void {
  // Subscriptions close the pipeline and its worker.
}
