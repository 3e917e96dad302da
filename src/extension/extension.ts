import * as cp from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';

/**
 * VS Code glue only. For now one command analyses a dump with the bundled CLI in a child
 * process (the engine never runs in the extension host); the runs view, watcher and panels
 * come with the pipeline and extension issues.
 */
export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('LSMI Lens');
  context.subscriptions.push(output);
  context.subscriptions.push(vscode.commands.registerCommand('lsmi.analyzeDump', async (uri?: vscode.Uri) => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('LSMI Lens runs analyses only in trusted workspaces.');
      return;
    }
    const target = uri ?? (await vscode.window.showOpenDialog({
      canSelectMany: false, canSelectFolders: true, canSelectFiles: true,
      filters: { 'LSMI dumps': ['npz', 'safetensors'] }, title: 'Choose a checkpoint dump',
    }))?.[0];
    if (!target) return;
    const cli = path.join(context.extensionPath, 'dist', 'cli.js');
    output.show(true);
    output.appendLine(`analysing ${target.fsPath} ...`);
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'LSMI: analysing' }, () =>
      new Promise<void>((resolve) => {
        const child = cp.spawn(process.execPath, [cli, 'analyze', target.fsPath], {
          env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        });
        child.stdout.on('data', (b: Buffer) => output.append(b.toString()));
        child.stderr.on('data', (b: Buffer) => output.append(b.toString()));
        child.on('close', (code) => {
          if (code !== 0) void vscode.window.showErrorMessage(`LSMI analysis failed (exit ${code}); see the LSMI Lens output.`);
          resolve();
        });
      }));
  }));
}

export function deactivate(): void {
  // Child processes end with their commands.
}
