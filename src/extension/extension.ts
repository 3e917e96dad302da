import * as path from 'path';
import * as vscode from 'vscode';
import type { BackendChoice } from '../core/backend';
import type { Settings } from '../core/estimator';
import { JobRecord, Pipeline, rootCache, savedJobs } from '../runs/pipeline';
import type { HostToWebview, RunSeries, WebviewToHost } from '../shared/protocol';
import type { JobOutcome } from '../worker/client';
import { Panel, VIEW_TYPE } from './panels';
import { Checkpoint, RunsTree } from './runs-tree';
import { openSample } from './open-sample';
import { loadSampleData, loadSampleIds } from '../runs/samples';
import { writeDemoRuns } from '../cli/demo';
import { readRunConfig } from '../runs/run-config';
import { writeRootReport } from '../report/html';

/**
 * VS Code glue only: the pipeline (watcher, queue, worker process, cache) lives in src/runs
 * and src/worker and runs the same under `lsmi watch`. Nothing runs until the workspace is trusted.
 */
/** What activate returns: the extension-host suite reads the Runs view through it. */
export interface LsmiApi {
  tree: RunsTree;
  checkpoints(): Map<string, Checkpoint>;
}

export function activate(context: vscode.ExtensionContext): LsmiApi {
  const output = vscode.window.createOutputChannel('LSMI Lens', { log: true });
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  status.command = 'lsmi.showLog';
  context.subscriptions.push(output, status);
  const checkpoints = new Map<string, Checkpoint>();
  let pipeline: Pipeline | undefined;
  let backend = '';
  let dashboard: Panel | undefined;
  const rootOf = (file: string) => roots().find((r) => file.startsWith(r + path.sep)) ?? path.dirname(file);

  // Requests from any panel: open a checkpoint or a sample, save an export.
  const onPanelMessage = (m: WebviewToHost, p: Panel) => {
    if (m.type === 'openCheckpoint') openExplorer(m.file, m.sample);
    else if (m.type === 'openSample') {
      const job = checkpoints.get(m.file)?.job;
      void (async () => openSample(rootOf(m.file), m.file, m.index, job ? loadSampleIds(rootOf(m.file), job)?.[m.index] : undefined))()
        .catch((e: Error) => vscode.window.showWarningMessage(e.message));
    } else if (m.type === 'export' || m.type === 'exportSubset') {
      void (async () => {
        const json = m.type === 'exportSubset' || m.format === 'json';
        const target = await vscode.window.showSaveDialog({ filters: json ? { JSON: ['json'] } : { CSV: ['csv'] }, saveLabel: 'Export' });
        if (!target) return;
        // Subsets list dump rows, and the dump's sample ids when it has them.
        const job = m.type === 'exportSubset' ? checkpoints.get(m.file)?.job : undefined;
        const ids = job ? loadSampleIds(rootOf(job.file), job) : undefined;
        const content = m.type === 'export' ? m.content
          : JSON.stringify({ checkpoint: m.file, subset: `${m.which} r`, quantile: m.quantile, indices: m.indices, ...(ids ? { ids: m.indices.map((i) => ids[i]) } : {}) });
        await vscode.workspace.fs.writeFile(target, Buffer.from(content, 'utf8'));
        if (m.type === 'export') p.post({ type: 'exported', id: m.id, path: target.fsPath });
      })().catch((e: Error) => vscode.window.showWarningMessage(`Export failed: ${e.message}`));
    }
  };
  /** The sample explorer of an analysed checkpoint, optionally at one sample (position in the dump). */
  function openExplorer(file: string | undefined, select?: number): void {
    const c = file ? checkpoints.get(file) : undefined;
    if (!c || c.job.state !== 'done') { void vscode.window.showInformationMessage('Pick an analysed checkpoint in the LSMI Runs view.'); return; }
    const data = loadSampleData(rootOf(c.job.file), c.job);
    if (!data) { void vscode.window.showWarningMessage(`No cached per-sample values for ${c.job.file}: use Analyse Again.`); return; }
    Panel.create('samples', context.extensionUri, () => ({ type: 'init', view: 'samples', title: 'Samples', data, select }), onPanelMessage);
  }
  const dashboardInit = (): HostToWebview => ({ type: 'init', view: 'dashboard', title: 'LSMI: runs', runs: series() });
  const showDashboard = () => {
    if (dashboard) { dashboard.panel.reveal(); return; }
    dashboard = Panel.create('dashboard', context.extensionUri, dashboardInit, onPanelMessage);
    dashboard.panel.onDidDispose(() => { dashboard = undefined; });
  };

  const config = () => vscode.workspace.getConfiguration('lsmi');
  const roots = (): string[] => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const base = folders[0]?.uri.fsPath ?? '';
    return (config().get<string[]>('runsRoots') ?? []).map((r) => path.resolve(base, r));
  };
  const tree = new RunsTree(() => checkpoints, roots);
  context.subscriptions.push(vscode.window.registerTreeDataProvider('lsmi.runs', tree));

  // Display names and fusion labels from each run's run.json (read once per run and start).
  const runConfigs = new Map<string, { name: string; fusion?: string }>();
  const runLabel = (job: JobRecord) => {
    const root = rootOf(job.file), key = `${root}\0${job.run}`;
    let c = runConfigs.get(key);
    if (!c) {
      let cfg: ReturnType<typeof readRunConfig> = {};
      try { cfg = readRunConfig(job.run === '.' ? root : path.join(root, job.run)); } catch { /* a bad run.json only loses the display name */ }
      c = { name: cfg.name ?? job.run, fusion: cfg.fusion };
      runConfigs.set(key, c);
    }
    return c;
  };
  const series = (): RunSeries[] => {
    const runs = new Map<string, RunSeries>();
    for (const c of checkpoints.values()) {
      if (!c.dataset) continue;
      const s = runs.get(c.job.run) ?? { run: c.job.run, ...runLabel(c.job), points: [] };
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
    runConfigs.clear();
    const r = roots();
    if (!r.length) { setStatus('no runs folder', 'Add a runs folder (LSMI: Add Runs Folder)'); tree.refresh(); return; }
    const c = config();
    const settings: Partial<Settings> = {
      folds: c.get<number>('folds') ?? 5, seed: c.get<number>('seed') ?? 0, holdout: c.get<Settings['holdout']>('holdout') ?? 'auto',
      adjust: c.get<boolean>('adjust') ?? true, useLogits: c.get<boolean>('useLogits') ?? true,
      entropyDim: c.get<number>('entropyDim') ?? 32, kernels: c.get<number>('kernels') ?? 5,
    };
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
      dashboard?.post({ type: 'checkpoint', run: job.run, name: runLabel(job).name, point: { file: job.file, epoch: job.epoch, step: job.step, ...dataset! } });
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
  cmd('lsmi.openDashboard', showDashboard);
  cmd('lsmi.openSampleExplorer', (node?: { file?: string }) => openExplorer(node?.file));
  cmd('lsmi.analyseAgain', (node?: { file?: string }) => { if (trusted() && node?.file) pipeline?.reanalyse(node.file); });
  cmd('lsmi.cancelAnalysis', () => pipeline?.cancelAll());
  cmd('lsmi.clearCache', () => {
    for (const r of roots()) rootCache(r).clear();
    void vscode.window.showInformationMessage('LSMI Lens cache cleared.');
  });
  cmd('lsmi.showLog', () => output.show());
  // The static report of a runs root (as `lsmi report` writes it), for sharing.
  cmd('lsmi.saveReport', async () => {
    const rs = roots();
    const root = rs.length > 1 ? (await vscode.window.showQuickPick(rs, { title: 'Report of which runs folder?' })) : rs[0];
    if (!root) { if (!rs.length) void vscode.window.showInformationMessage('Add a runs folder first (LSMI: Add Runs Folder).'); return; }
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(root, 'lsmi-report.html')), filters: { HTML: ['html'] }, saveLabel: 'Save Report' });
    if (!target) return;
    if (!writeRootReport(root, target.fsPath)) { void vscode.window.showInformationMessage(`No analysed checkpoints in ${root} yet.`); return; }
    const open = await vscode.window.showInformationMessage(`Report saved: ${target.fsPath}`, 'Open in Browser');
    if (open) void vscode.env.openExternal(target);
  });
  cmd('lsmi.openDemoRun', async () => {
    if (!trusted()) return;
    const dir = context.globalStorageUri.fsPath;
    writeDemoRuns(dir);
    const demoRoot = path.join(dir, 'runs');
    const list = config().get<string[]>('runsRoots') ?? [];
    if (!list.includes(demoRoot)) await config().update('runsRoots', [...list, demoRoot], vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    showDashboard();
  });
  // From the palette: pick A and B; from a checkpoint's context menu: it is A, pick B.
  cmd('lsmi.compareCheckpoints', async (node?: { file?: string }) => {
    const done = [...checkpoints.values()].filter((c) => c.job.state === 'done');
    if (done.length < 2) { void vscode.window.showInformationMessage('Compare needs two analysed checkpoints.'); return; }
    const label = (c: Checkpoint) => `${runLabel(c.job).name} · ${c.job.step !== undefined ? `step ${c.job.step}` : `epoch ${c.job.epoch}`}`;
    const items = (except?: string) => done.filter((c) => c.job.file !== except).map((c) => ({ label: label(c), description: path.basename(c.job.file), c }));
    const first = node?.file ? checkpoints.get(node.file) : undefined;
    let pair: Checkpoint[];
    if (first?.job.state === 'done') {
      const b = await vscode.window.showQuickPick(items(first.job.file), { title: `Compare ${label(first)} (A) with…` });
      if (!b) return;
      pair = [first, b.c];
    } else {
      const picked = await vscode.window.showQuickPick(items(), { canPickMany: true, title: 'Pick two checkpoints (A, then B)' });
      if (!picked || picked.length !== 2) return;
      pair = picked.map((p) => p.c);
    }
    const [a, b] = pair.map((c) => loadSampleData(rootOf(c.job.file), c.job));
    if (!a || !b) { void vscode.window.showWarningMessage('No cached per-sample values for one of them: use Analyse Again.'); return; }
    Panel.create('compare', context.extensionUri, () => ({ type: 'init', view: 'compare', title: 'Compare', a, b }), onPanelMessage);
  });
  // Samples and compare panels come back after a reload from the checkpoint files they saved.
  const jobOf = (file: string): JobRecord | undefined => {
    return checkpoints.get(file)?.job ?? savedJobs(rootOf(file)).find((r) => r.file === file && r.state === 'done');
  };
  const dataOf = (file?: string) => { const j = file ? jobOf(file) : undefined; return j ? loadSampleData(rootOf(j.file), j) : undefined; };
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPE.samples, {
    deserializeWebviewPanel: async (panel, state?: { file?: string }) => {
      const data = dataOf(state?.file);
      if (!data) { panel.dispose(); return; }
      new Panel('samples', panel, context.extensionUri, () => ({ type: 'init', view: 'samples', title: 'Samples', data }), onPanelMessage);
    },
  }));
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPE.compare, {
    deserializeWebviewPanel: async (panel, state?: { a?: string; b?: string }) => {
      const a = dataOf(state?.a), b = dataOf(state?.b);
      if (!a || !b) { panel.dispose(); return; }
      new Panel('compare', panel, context.extensionUri, () => ({ type: 'init', view: 'compare', title: 'Compare', a, b }), onPanelMessage);
    },
  }));
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPE.dashboard, {
    deserializeWebviewPanel: async (panel) => {
      dashboard = new Panel('dashboard', panel, context.extensionUri, dashboardInit, onPanelMessage);
      panel.onDidDispose(() => { dashboard = undefined; });
    },
  }));
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('lsmi') && vscode.workspace.isTrusted) start(); }));
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => start()));
  context.subscriptions.push({ dispose: () => void pipeline?.close() });
  if (vscode.workspace.isTrusted) start();
  else setStatus('restricted', 'Trust this workspace to analyse checkpoints');
  return { tree, checkpoints: () => checkpoints };
}

export function deactivate(): void {
  // Subscriptions close the pipeline and its worker.
}
