import * as vscode from 'vscode';

/**
 * Restricted Mode gating. Nothing runs until the workspace is trusted: no command, panel or
 * restored panel reads or writes a runs root (they may come from a cloned repository), and no
 * worker starts.
 */
const TRUST_MESSAGE = 'LSMI Lens reads runs folders only in trusted workspaces.';
const MANAGE_TRUST = 'Manage Workspace Trust';

/** True when the workspace is trusted; else says why nothing happens and offers to change it. */
export function trusted(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(TRUST_MESSAGE, MANAGE_TRUST).then((a) => {
    if (a) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}

/**
 * Restored panels in Restricted Mode: each reads nothing and shows why, and comes back once
 * the workspace is trusted (`reviveAll`).
 */
export class TrustGate {
  private readonly awaitingTrust = new Set<() => void>();

  /** Runs `revive` now in a trusted workspace; else blanks the panel and runs it on trust. */
  restore(panel: vscode.WebviewPanel, revive: () => void): void {
    if (vscode.workspace.isTrusted) {
      revive();
      return;
    }
    panel.webview.options = { enableScripts: false, enableCommandUris: false, localResourceRoots: [] };
    panel.webview.html = restrictedPage(panel.title);
    const go = () => {
      this.awaitingTrust.delete(go);
      revive();
    };
    this.awaitingTrust.add(go);
    panel.onDidDispose(() => this.awaitingTrust.delete(go));
  }

  /** The workspace was trusted: every panel waiting for it comes back. */
  reviveAll(): void {
    for (const go of [...this.awaitingTrust]) go();
  }
}

/** What a restored panel shows in Restricted Mode: static text, no scripts, nothing loaded. */
export function restrictedPage(title: string): string {
  const esc = (t: string) => t.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none';"><title>${esc(title)}</title></head>
<body><h3>${esc(title)}</h3><p>This workspace is in Restricted Mode. LSMI Lens reads runs folders only in trusted workspaces,
so this panel stays empty. Trust the workspace (Workspaces: Manage Workspace Trust) to show it again.</p></body></html>`;
}
