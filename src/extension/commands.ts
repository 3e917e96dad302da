import * as path from 'path';
import * as vscode from 'vscode';
import { writeDemoRuns } from '../core/synthetic/demo-runs';
import { writeRootReport } from '../report/html';
import { rootCache } from '../runs/layout';
import { compareCheckpoints } from './compare';
import { exportMetricsCommand } from './export-command';
import type { PanelHost } from './panel-host';
import type { PipelineHost } from './pipeline-host';
import type { RunLabels } from './run-series';
import type { Checkpoint } from './runs-tree';
import { trusted } from './trust';
import { chooseValueSource } from './value-source-command';
import { configuredRoots, listedRoots, lsmiConfig } from './workspace-config';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  output: vscode.LogOutputChannel;
  checkpoints: Map<string, Checkpoint>;
  labels: RunLabels;
  panels: PanelHost;
  pipelines: PipelineHost;
}

/** Every `lsmi.*` command of package.json. All but Cancel Analysis and Show Log need a trusted workspace. */
export function registerCommands(d: CommandDeps): void {
  const { context, panels } = d;
  const cmd = (id: string, fn: (...args: never[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  cmd('lsmi.addRunsFolder', addRunsFolder);
  cmd('lsmi.openDashboard', () => panels.showDashboard());
  cmd('lsmi.openSampleExplorer', (node?: { file?: string }) => panels.openExplorer(node?.file));
  // The command id keeps its original spelling: keybindings and menus name it.
  cmd('lsmi.analyseAgain', (node?: { file?: string }) => {
    if (trusted() && node?.file) d.pipelines.pipeline?.reanalyze(node.file);
  });
  cmd('lsmi.cancelAnalysis', () => d.pipelines.pipeline?.cancelAll());
  cmd('lsmi.clearCache', clearCache);
  cmd('lsmi.showLog', () => d.output.show());
  cmd('lsmi.saveReport', saveReport);
  cmd('lsmi.exportMetrics', exportMetricsCommand);
  cmd('lsmi.openDemoRun', () => openDemoRun(context, panels));
  cmd('lsmi.compareCheckpoints', (node?: { file?: string }) =>
    compareCheckpoints(node, d.checkpoints, d.labels, panels),
  );
  cmd('lsmi.chooseValueSource', (node?: { root?: string; run?: string }) =>
    chooseValueSource(node, d.checkpoints, d.labels, d.output),
  );
}

async function addRunsFolder(): Promise<void> {
  if (!trusted()) return;
  const pick = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    title: 'Runs folder to watch',
  });
  if (!pick?.[0]) return;
  const list = listedRoots();
  await lsmiConfig().update('runsRoots', [...new Set([...list, pick[0].fsPath])], vscode.ConfigurationTarget.Workspace);
}

function clearCache(): void {
  if (!trusted()) return;
  for (const r of configuredRoots()) rootCache(r).clear();
  void vscode.window.showInformationMessage('LSMI Lens cache cleared.');
}

/** The static report of a runs root (as `lsmi report` writes it), for sharing. */
async function saveReport(): Promise<void> {
  if (!trusted()) return;
  const rs = configuredRoots();
  const root = rs.length > 1 ? await vscode.window.showQuickPick(rs, { title: 'Report of which runs folder?' }) : rs[0];
  if (!root) {
    if (!rs.length) void vscode.window.showInformationMessage('Add a runs folder first (LSMI: Add Runs Folder).');
    return;
  }
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(path.join(root, 'lsmi-report.html')),
    filters: { HTML: ['html'] },
    saveLabel: 'Save Report',
  });
  if (!target) return;
  if (!writeRootReport(root, target.fsPath)) {
    void vscode.window.showInformationMessage(`No analyzed checkpoints in ${root} yet.`);
    return;
  }
  const open = await vscode.window.showInformationMessage(`Report saved: ${target.fsPath}`, 'Open in Browser');
  if (open) void vscode.env.openExternal(target);
}

/** Writes the demo runs to the extension's storage, adds them as a runs folder and shows the dashboard. */
async function openDemoRun(context: vscode.ExtensionContext, panels: PanelHost): Promise<void> {
  if (!trusted()) return;
  const dir = context.globalStorageUri.fsPath;
  writeDemoRuns(dir);
  const demoRoot = path.join(dir, 'runs');
  const list = listedRoots();
  if (!list.includes(demoRoot))
    await lsmiConfig().update(
      'runsRoots',
      [...list, demoRoot],
      vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global,
    );
  panels.showDashboard();
}
