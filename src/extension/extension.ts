import * as path from 'path';
import * as vscode from 'vscode';
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
import { isInside, resolveInside, UnsafePathError } from '../runs/safe-path';
import { checkRunsRoots, readSettings, workerOptions } from './settings';

/**
 * VS Code glue only: the pipeline (watcher, queue, worker process, cache) lives in src/runs
 * and src/worker and runs the same under `lsmi watch`. Nothing runs until the workspace is
 * trusted: in Restricted Mode no command, panel or restored panel reads or writes a runs root
 * (they may come from a cloned repository), and no worker starts.
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
  /** The configured root holding `file`, or undefined for a path outside every root. */
  const rootOf = (file: unknown): string | undefined => {
    if (typeof file !== 'string' || !path.isAbsolute(file)) return undefined;
    const f = path.resolve(file);
    return roots().find((r) => f !== r && isInside(r, f));
  };
  const trustMessage = 'LSMI Lens reads runs folders only in trusted workspaces.';
  const manageTrust = 'Manage Workspace Trust';
  /** True when the workspace is trusted; else says why nothing happens and offers to change it. */
  const trusted = () => {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showWarningMessage(trustMessage, manageTrust).then((a) => { if (a) void vscode.commands.executeCommand('workbench.trust.manage'); });
    return false;
  };

  // Requests from any panel: open a checkpoint or a sample, save an export.
  const onPanelMessage = (m: WebviewToHost, p: Panel) => {
    if (m.type !== 'ready' && !trusted()) return;
    if (m.type === 'openCheckpoint') openExplorer(m.file, m.sample);
    else if (m.type === 'openSample') {
      const root = rootOf(m.file);
      if (!root || !Number.isSafeInteger(m.index) || m.index < 0) { void vscode.window.showWarningMessage(`LSMI Lens opens samples only of checkpoints in its runs folders (${String(m.file)}).`); return; }
      const job = checkpoints.get(m.file)?.job;
      void (async () => openSample(root, m.file, m.index, job ? loadSampleIds(root, job)?.[m.index] : undefined))()
        .catch((e: Error) => vscode.window.showWarningMessage(e instanceof UnsafePathError ? `LSMI Lens refused to open sample ${m.index}: ${e.message}` : e.message));
    } else if (m.type === 'export' || m.type === 'exportSubset') {
      void (async () => {
        const json = m.type === 'exportSubset' || m.format === 'json';
        const target = await vscode.window.showSaveDialog({ filters: json ? { JSON: ['json'] } : { CSV: ['csv'] }, saveLabel: 'Export' });
        if (!target) return;
        // Subsets list dump rows, and the dump's sample ids when it has them.
        const job = m.type === 'exportSubset' ? checkpoints.get(m.file)?.job : undefined;
        const jobRoot = job ? rootOf(job.file) : undefined;
        const ids = job && jobRoot ? loadSampleIds(jobRoot, job) : undefined;
        const content = m.type === 'export' ? m.content
          : JSON.stringify({ checkpoint: m.file, subset: `${m.which} r`, quantile: m.quantile, indices: m.indices, ...(ids ? { ids: m.indices.map((i) => ids[i]) } : {}) });
        await vscode.workspace.fs.writeFile(target, Buffer.from(content, 'utf8'));
        if (m.type === 'export') p.post({ type: 'exported', id: m.id, path: target.fsPath });
      })().catch((e: Error) => vscode.window.showWarningMessage(`Export failed: ${e.message}`));
    }
  };
  /** The sample explorer of an analysed checkpoint, optionally at one sample (position in the dump). */
  function openExplorer(file: string | undefined, select?: number): void {
    if (!trusted()) return;
    const c = file ? checkpoints.get(file) : undefined;
    const root = c ? rootOf(c.job.file) : undefined;
    if (!c || !root || c.job.state !== 'done') { void vscode.window.showInformationMessage('Pick an analysed checkpoint in the LSMI Runs view.'); return; }
    const data = loadSampleData(root, c.job);
    if (!data) { void vscode.window.showWarningMessage(`No cached per-sample values for ${c.job.file}: use Analyse Again.`); return; }
    Panel.create('samples', context.extensionUri, () => ({ type: 'init', view: 'samples', title: 'Samples', data, select }), onPanelMessage);
  }
  const dashboardInit = (): HostToWebview => ({ type: 'init', view: 'dashboard', title: 'LSMI: runs', runs: series() });
  const showDashboard = () => {
    if (!trusted()) return;
    if (dashboard) { dashboard.panel.reveal(); return; }
    dashboard = Panel.create('dashboard', context.extensionUri, dashboardInit, onPanelMessage);
    dashboard.panel.onDidDispose(() => { dashboard = undefined; });
  };

  const config = () => vscode.workspace.getConfiguration('lsmi');
  /** The configured roots, absolute (relative ones are taken from the first workspace folder). */
  const roots = (): string[] => {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const base = folders[0]?.uri.fsPath ?? '';
    return checkRunsRoots(config().get<unknown>('runsRoots')).value.map((r) => path.resolve(base, r));
  };
  // Settings that fell back to their default: each is shown once (again only after it was fixed).
  let shownMessages = new Set<string>();
  const checkedSettings = () => {
    const c = config();
    const { settings, messages } = readSettings((k) => c.get<unknown>(k));
    const rootsMessage = checkRunsRoots(c.get<unknown>('runsRoots')).message;
    if (rootsMessage) messages.push(rootsMessage);
    for (const m of messages) {
      output.warn(m);
      if (!shownMessages.has(m)) void vscode.window.showWarningMessage(m);
    }
    shownMessages = new Set(messages);
    return settings;
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
      try { if (root) cfg = readRunConfig(resolveInside(root, job.run, 'run folder')); } catch { /* a bad run.json (or run folder) only loses the display name */ }
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
      s.points.push({ file: c.job.file, epoch: c.job.epoch, step: c.job.step, ...c.dataset, ...(c.intervals ? { intervals: c.intervals } : {}) });
      runs.set(c.job.run, s);
    }
    return [...runs.values()];
  };

  const setStatus = (text: string, tooltip?: string) => {
    status.text = `$(graph-line) LSMI ${text}`;
    status.command = vscode.workspace.isTrusted ? 'lsmi.showLog' : 'workbench.trust.manage';
    status.tooltip = tooltip ?? `LSMI Lens${backend ? ` — backend ${backend}` : ''}`;
    status.show();
  };

  const start = () => {
    void pipeline?.close();
    checkpoints.clear();
    runConfigs.clear();
    pipeline = undefined;
    if (!vscode.workspace.isTrusted) { setStatus('restricted', 'Restricted Mode: LSMI Lens reads no runs folder until this workspace is trusted (click to manage trust)'); tree.refresh(); return; }
    const s = checkedSettings();
    const r = roots();
    if (!r.length) { setStatus('no runs folder', 'Add a runs folder (LSMI: Add Runs Folder)'); tree.refresh(); return; }
    const settings: Partial<Settings> = {
      folds: s.folds, seed: s.seed, holdout: s.holdout, adjust: s.adjust, useLogits: s.useLogits, entropyDim: s.entropyDim, kernels: s.kernels,
    };
    pipeline = new Pipeline({ roots: r, settings, backend: s.backend, worker: workerOptions(s) });
    const update = (job: JobRecord) => {
      const prev = checkpoints.get(job.file);
      checkpoints.set(job.file, { job: { ...job }, ...(job.state === 'done' ? { dataset: prev?.dataset, intervals: prev?.intervals } : {}) });
      tree.refresh();
    };
    for (const ev of ['waiting', 'queued', 'started', 'failed']) pipeline.on(ev, update);
    pipeline.on('progress', (job: JobRecord, phase: string, fraction: number) => setStatus(`${phase} ${(100 * fraction).toFixed(0)}%`, `analysing ${job.file}`));
    pipeline.on('result', (job: JobRecord, out: JobOutcome) => {
      backend = out.backend;
      const dataset = out.summary.dataset as Checkpoint['dataset'];
      const intervals = out.summary.intervals as Checkpoint['intervals'];
      checkpoints.set(job.file, { job: { ...job }, dataset, intervals });
      tree.refresh();
      dashboard?.post({ type: 'checkpoint', run: job.run, name: runLabel(job).name, point: { file: job.file, epoch: job.epoch, step: job.step, ...dataset!, ...(intervals ? { intervals } : {}) } });
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
  cmd('lsmi.addRunsFolder', async () => {
    if (!trusted()) return;
    const pick = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, title: 'Runs folder to watch' });
    if (!pick?.[0]) return;
    const list = checkRunsRoots(config().get<unknown>('runsRoots')).value;
    await config().update('runsRoots', [...new Set([...list, pick[0].fsPath])], vscode.ConfigurationTarget.Workspace);
  });
  cmd('lsmi.openDashboard', showDashboard);
  cmd('lsmi.openSampleExplorer', (node?: { file?: string }) => openExplorer(node?.file));
  cmd('lsmi.analyseAgain', (node?: { file?: string }) => { if (trusted() && node?.file) pipeline?.reanalyse(node.file); });
  cmd('lsmi.cancelAnalysis', () => pipeline?.cancelAll());
  cmd('lsmi.clearCache', () => {
    if (!trusted()) return;
    for (const r of roots()) rootCache(r).clear();
    void vscode.window.showInformationMessage('LSMI Lens cache cleared.');
  });
  cmd('lsmi.showLog', () => output.show());
  // The static report of a runs root (as `lsmi report` writes it), for sharing.
  cmd('lsmi.saveReport', async () => {
    if (!trusted()) return;
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
    const list = checkRunsRoots(config().get<unknown>('runsRoots')).value;
    if (!list.includes(demoRoot)) await config().update('runsRoots', [...list, demoRoot], vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    showDashboard();
  });
  // From the palette: pick A and B; from a checkpoint's context menu: it is A, pick B.
  cmd('lsmi.compareCheckpoints', async (node?: { file?: string }) => {
    if (!trusted()) return;
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
    const [a, b] = pair.map((c) => { const root = rootOf(c.job.file); return root ? loadSampleData(root, c.job) : undefined; });
    if (!a || !b) { void vscode.window.showWarningMessage('No cached per-sample values for one of them: use Analyse Again.'); return; }
    Panel.create('compare', context.extensionUri, () => ({ type: 'init', view: 'compare', title: 'Compare', a, b }), onPanelMessage);
  });
  // Samples and compare panels come back after a reload from the checkpoint files they saved.
  const jobOf = (file: string): JobRecord | undefined => {
    const root = rootOf(file);
    if (!root) return undefined;
    return checkpoints.get(file)?.job ?? savedJobs(root).find((r) => r.file === file && r.state === 'done');
  };
  const dataOf = (file?: unknown) => {
    const j = typeof file === 'string' ? jobOf(file) : undefined;
    const root = j ? rootOf(j.file) : undefined;
    return j && root ? loadSampleData(root, j) : undefined;
  };
  // In Restricted Mode a restored panel reads nothing: it shows why, and comes back once the
  // workspace is trusted.
  const awaitingTrust = new Set<() => void>();
  const restore = (panel: vscode.WebviewPanel, revive: () => void) => {
    if (vscode.workspace.isTrusted) { revive(); return; }
    panel.webview.options = { enableScripts: false, enableCommandUris: false, localResourceRoots: [] };
    panel.webview.html = restrictedPage(panel.title);
    const go = () => { awaitingTrust.delete(go); revive(); };
    awaitingTrust.add(go);
    panel.onDidDispose(() => awaitingTrust.delete(go));
  };
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPE.samples, {
    deserializeWebviewPanel: async (panel, state?: { file?: unknown }) => restore(panel, () => {
      const data = dataOf(state?.file);
      if (!data) { panel.dispose(); return; }
      new Panel('samples', panel, context.extensionUri, () => ({ type: 'init', view: 'samples', title: 'Samples', data }), onPanelMessage);
    }),
  }));
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPE.compare, {
    deserializeWebviewPanel: async (panel, state?: { a?: unknown; b?: unknown }) => restore(panel, () => {
      const a = dataOf(state?.a), b = dataOf(state?.b);
      if (!a || !b) { panel.dispose(); return; }
      new Panel('compare', panel, context.extensionUri, () => ({ type: 'init', view: 'compare', title: 'Compare', a, b }), onPanelMessage);
    }),
  }));
  context.subscriptions.push(vscode.window.registerWebviewPanelSerializer(VIEW_TYPE.dashboard, {
    deserializeWebviewPanel: async (panel) => restore(panel, () => {
      if (dashboard) { panel.dispose(); dashboard.panel.reveal(); return; }
      dashboard = new Panel('dashboard', panel, context.extensionUri, dashboardInit, onPanelMessage);
      panel.onDidDispose(() => { dashboard = undefined; });
    }),
  }));
  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('lsmi') && vscode.workspace.isTrusted) start(); }));
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => {
    start();
    for (const go of [...awaitingTrust]) go();
  }));
  context.subscriptions.push({ dispose: () => void pipeline?.close() });
  start();
  return { tree, checkpoints: () => checkpoints };
}

/** What a restored panel shows in Restricted Mode: static text, no scripts, nothing loaded. */
function restrictedPage(title: string): string {
  const esc = (t: string) => t.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none';"><title>${esc(title)}</title></head>
<body><h3>${esc(title)}</h3><p>This workspace is in Restricted Mode. LSMI Lens reads runs folders only in trusted workspaces,
so this panel stays empty. Trust the workspace (Workspaces: Manage Workspace Trust) to show it again.</p></body></html>`;
}

export function deactivate(): void {
  // Subscriptions close the pipeline and its worker.
}
