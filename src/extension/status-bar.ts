import * as vscode from 'vscode';

/**
 * The status bar item: what the pipeline is doing. Clicking it shows the log, or in
 * Restricted Mode opens Manage Workspace Trust.
 */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
  /** The worker's tfjs backend, once a result named it (shown in the tooltip). */
  backend = '';

  constructor() {
    this.item.command = 'lsmi.showLog';
  }

  set(text: string, tooltip?: string): void {
    this.item.text = `$(graph-line) LSMI ${text}`;
    this.item.command = vscode.workspace.isTrusted ? 'lsmi.showLog' : 'workbench.trust.manage';
    this.item.tooltip = tooltip ?? `LSMI Lens${this.backend ? ` — backend ${this.backend}` : ''}`;
    this.item.show();
  }

  /** Only workspaces with runs folders show the item. */
  hide(): void {
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
