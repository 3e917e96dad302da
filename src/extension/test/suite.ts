/** Runs inside VS Code's extension host (see run.ts). */
import * as assert from 'assert';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'lsmi-lens');
  assert.ok(ext, 'extension found');
  await ext.activate();
  const commands = await vscode.commands.getCommands(true);
  for (const c of ['lsmi.addRunsFolder', 'lsmi.openDemoRun', 'lsmi.openDashboard', 'lsmi.openSampleExplorer', 'lsmi.compareCheckpoints', 'lsmi.analyseAgain', 'lsmi.cancelAnalysis', 'lsmi.clearCache', 'lsmi.showLog']) {
    assert.ok(commands.includes(c), `${c} registered`);
  }
  await vscode.commands.executeCommand('lsmi.openDashboard');
  const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
  assert.ok(tabs.some((t) => t.label === 'LSMI Dashboard'), 'the dashboard opened');
  console.log('vscode suite: passed');
}
