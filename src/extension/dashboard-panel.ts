import * as crypto from 'crypto';
import * as vscode from 'vscode';
import type { HostToWebview, RunSeries, WebviewToHost } from '../shared/protocol';

export const DASHBOARD_VIEW_TYPE = 'lsmi.dashboard';

/** The dashboard webview: the host sends runs and live checkpoints; the page draws them. */
export class DashboardPanel {
  static current?: DashboardPanel;

  private ready = false;
  private pending: HostToWebview[] = [];

  private constructor(readonly panel: vscode.WebviewPanel, private readonly extensionUri: vscode.Uri, private readonly runs: () => RunSeries[]) {
    panel.webview.options = { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')] };
    panel.webview.html = this.html();
    panel.webview.onDidReceiveMessage((m: WebviewToHost) => this.onMessage(m));
    panel.onDidDispose(() => { if (DashboardPanel.current === this) DashboardPanel.current = undefined; });
  }

  static show(extensionUri: vscode.Uri, runs: () => RunSeries[]): DashboardPanel {
    if (DashboardPanel.current) { DashboardPanel.current.panel.reveal(); return DashboardPanel.current; }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'LSMI Dashboard', vscode.ViewColumn.Active, { retainContextWhenHidden: false });
    DashboardPanel.current = new DashboardPanel(panel, extensionUri, runs);
    return DashboardPanel.current;
  }

  /** After a window reload VS Code hands back the panel; its page restores its own UI state. */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, runs: () => RunSeries[]): void {
    DashboardPanel.current = new DashboardPanel(panel, extensionUri, runs);
  }

  post(m: HostToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(m);
    else this.pending.push(m);
  }

  private onMessage(m: WebviewToHost): void {
    if (m.type === 'ready') {
      this.ready = true;
      void this.panel.webview.postMessage({ type: 'init', view: 'dashboard', title: 'LSMI: runs', runs: this.runs() } satisfies HostToWebview);
      for (const p of this.pending.splice(0)) void this.panel.webview.postMessage(p);
    } else if (m.type === 'openCheckpoint') {
      void vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(m.file));
    } else if (m.type === 'export') {
      void (async () => {
        const target = await vscode.window.showSaveDialog({ filters: m.format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] }, saveLabel: 'Export' });
        if (!target) return;
        await vscode.workspace.fs.writeFile(target, Buffer.from(m.content, 'utf8'));
        void this.panel.webview.postMessage({ type: 'exported', id: m.id, path: target.fsPath } satisfies HostToWebview);
      })();
    }
  }

  private html(): string {
    const w = this.panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const script = w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'dashboard.js'));
    const style = w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'dashboard.css'));
    return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}'; style-src ${w.cspSource}; img-src ${w.cspSource} data: blob:;">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="${style}"><title>LSMI Dashboard</title></head>
<body><div id="app"></div><script nonce="${nonce}" src="${script}"></script></body></html>`;
  }
}
