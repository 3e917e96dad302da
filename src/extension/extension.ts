import * as path from 'path';
import * as vscode from 'vscode';
import type { BackendChoice } from '../core/backend';
import type { Settings } from '../core/estimator';
import { ResultCache } from '../runs/cache';
import { JobRecord, Pipeline, stateDir } from '../runs/pipeline';
import type { RunSeries } from '../shared/protocol';
import type { JobOutcome } from '../worker/client';
import { DASHBOARD_VIEW_TYPE, DashboardPanel } from './dashboard-panel';
import { Checkpoint, RunsTree } from './runs-tree';

/**
 * VS Code glue only: the pipeline (watcher, queue, worker process, cache) lives in src/runs
 * and src/worker and runs the same under `lsmi watch`. Nothing runs until the workspace is trusted.
 */
export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('LSMI Lens', { log: true });
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  status.command = 'lsmi.showLog';
  context.subscriptions.push(output, status);
  const checkpoints = new Map<string, Checkpoint>();
  let pipeline: Pipeline | undefined;
  let backend = '';

  const config = () => vscode.workspace.getConfiguration('lsmi');
  const roots = (): string[] => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const base = folders[0]?.uri.fsPath ?? '';
    return (config().get<string[]>('runsRoots') ?? []).map((r) => path.resolve(base, r));
  };
  const tree = new RunsTree(() => checkpoints, roots);
  context.subscriptions.push(vscode.window.registerTreeDataProvider('lsmi.runs', tree));

  const series = (): RunSeries[] => {
    const runs = new Map<string, RunSeries>();
    for (const c of checkpoints.values()) {
      if (!c.dataset) continue;
      const s = runs.get(c.job.run) ?? { run: c.job.run, name: c.job.run, points: [] };
      s.points.push({ file: c.job.file, epoch: c.job.epoch, step: c.job.step, ...c.dataset });
      runs.set(c.job.run, s);
    }
    return [...runs.values()];
  };

  const setStatus = (text: string, tooltip?: string) => {
    status.text = `$(graph-line) LSMI ${text}`;
    status.tooltip = tooltip ?? `LSMI Lens${backend ? ` — backend ${backend}` : ''}`;
    status.show();
  };

  const start = () => {
    void pipeline?.close();
    checkpoints.clear();
    const r = roots();
    if (!r.length) { setStatus('no runs folder', 'Add a runs folder (LSMI: Add Runs Folder)'); tree.refresh(); return; }
    const settings: Partial<Settings> = { folds: config().get<number>('folds') ?? 5, seed: config().get<number>('seed') ?? 0 };
    pipeline = new Pipeline({
      roots: r, settings, backend: (config().get<string>('backend') ?? 'auto') as BackendChoice,
      worker: { nodePath: config().get<string>('nodePath') || undefined, memoryMb: config().get<number>('memoryMb') || undefined },
    });
    const update = (job: JobRecord) => {
      const prev = checkpoints.get(job.file);
      checkpoints.set(job.file, { job: { ...job }, dataset: job.state === 'done' ? prev?.dataset : undefined });
      tree.refresh();
    };
    for (const ev of ['waiting', 'queued', 'started', 'failed']) pipeline.on(ev, update);
    pipeline.on('progress', (job: JobRecord, phase: string, fraction: number) => setStatus(`${phase} ${(100 * fraction).toFixed(0)}%`, `analysing ${job.file}`));
    pipeline.on('result', (job: JobRecord, out: JobOutcome) => {
      backend = out.backend;
      const dataset = out.summary.dataset as Checkpoint['dataset'];
      checkpoints.set(job.file, { job: { ...job }, dataset });
      tree.refresh();
      DashboardPanel.current?.post({ type: 'checkpoint', run: job.run, name: job.run, point: { file: job.file, epoch: job.epoch, step: job.step, ...dataset! } });
      output.info(`${job.file}: R ${dataset!.R.toFixed(3)} U1 ${dataset!.U1.toFixed(3)} U2 ${dataset!.U2.toFixed(3)} S ${dataset!.S.toFixed(3)}${out.cached ? ' (cached)' : ''}`);
    });
    pipeline.on('failed', (job: JobRecord) => output.error(`${job.file}: ${job.error}`));
    pipeline.on('removed', (file: string) => { checkpoints.delete(file); tree.refresh(); });
    pipeline.on('warning', (w: string) => output.warn(w));
    pipeline.on('idle', () => setStatus('idle'));
    pipeline.start();
    setStatus('watching');
  };

  const cmd = (id: string, fn: (...args: never[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));
  const trusted = () => {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showWarningMessage('LSMI Lens analyses checkpoints only in trusted workspaces.');
    return false;
  };
  cmd('lsmi.addRunsFolder', async () => {
    if (!trusted()) return;
    const pick = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Runs folder to watch' });
    if (!pick?.[0]) return;
    const list = config().get<string[]>('runsRoots') ?? [];
    await config().update('runsRoots', [...new Set([...list, pick[0].fsPath])], vscode.ConfigurationTarget.Workspace);
  });
  cmd('lsmi.openDashboard', () => DashboardPanel.show(context.extensionUri, series));
  cmd('lsmi.analyseAgain', (node?: { file?: string }) => { if (trusted() && node?.file) pipeline?.reanalyse(node.file); });
  cmd('lsmi.cancelAnalysis', () => pipeline?.cancelAll());
  cmd('lsmi.clearCache', () => {
    for (const r of roots()) new ResultCache(path.join(stateDir(r), 'cache')).clear();
    void vscode.window.showInformationMessage('LSMI Lens cache cleared.');
  });
  cmd('lsmi.showLog', () => output.show());
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
    deserializeWebviewPanel: async (panel) => DashboardPanel.revive(panel, context.extensionUri, series),
  }));
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('lsmi') && vscode.workspace.isTrusted) start(); }));
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => start()));
  context.subscriptions.push({ dispose: () => void pipeline?.close() });
  if (vscode.workspace.isTrusted) start();
  else setStatus('restricted', 'Trust this workspace to analyse checkpoints');
}

export function deactivate(): void {
  // Subscriptions close the pipeline and its worker.
}
