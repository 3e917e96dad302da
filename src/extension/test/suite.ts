/**
 * Runs inside VS Code's extension host (see run.ts), on a workspace holding the demo run
 * with `lsmi.runsRoots: ["runs"]`: activation, commands, the Runs view filling itself as
 * the pipeline analyses the demo, and the panels opening.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { LsmiApi } from '../extension';

async function until<T>(what: string, f: () => T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const tabLabels = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => t.label);

export async function run(): Promise<void> {
  const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'lsmi-lens');
  assert.ok(ext, 'extension found');
  const api = (await ext.activate()) as LsmiApi;
  const commands = await vscode.commands.getCommands(true);
  // Every command the manifest contributes is registered (the manifest is the list).
  const declared = (ext.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command);
  assert.ok(declared.length >= 11, `the manifest declares the commands (${declared.length})`);
  for (const c of declared) assert.ok(commands.includes(c), `${c} registered`);
  // The Runs view lists the demo's two runs and their checkpoints as the watcher finds them.
  const runs = await until(
    'the demo runs in the Runs view',
    () => {
      const r = api.tree.getChildren();
      return r.length === 2 ? r : undefined;
    },
    60_000,
  );
  assert.deepEqual(
    runs.map((n) => n.kind === 'run' && n.run),
    ['early-fusion', 'late-fusion'],
  );
  const ckpts = api.tree.getChildren(runs[0]);
  assert.equal(ckpts.length, 4, 'four checkpoints per demo run');
  await vscode.commands.executeCommand('lsmi.openDashboard');
  assert.ok(tabLabels().includes('LSMI Dashboard'), 'the dashboard opened');
  // Once a checkpoint is analysed its tree item carries S, and its explorer opens.
  const done = await until(
    'an analysed checkpoint',
    () => [...api.checkpoints().values()].find((c) => c.job.state === 'done' && c.dataset),
    600_000,
  );
  const node = api.tree
    .getChildren(runs.find((n) => n.kind === 'run' && n.run === done.job.run))
    .find((n) => n.kind === 'checkpoint' && n.file === done.job.file)!;
  const item = api.tree.getTreeItem(node);
  assert.match(String(item.description), /^S \d+\.\d{3}$/);
  // The tooltip holds text from the root's files: never trusted, no HTML.
  const tip = item.tooltip as vscode.MarkdownString;
  assert.ok(
    tip instanceof vscode.MarkdownString && !tip.isTrusted && !tip.supportHtml,
    'tooltip is untrusted markdown',
  );
  // nodePath is a machine setting: the workspace's settings (run.ts names a script there) are ignored.
  assert.equal(vscode.workspace.getConfiguration('lsmi').get('nodePath'), '');
  const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
  assert.ok(!fs.existsSync(path.join(folder, 'pwned')), 'the workspace script never ran');
  await vscode.commands.executeCommand('lsmi.openSampleExplorer', { file: done.job.file });
  await until('the sample explorer tab', () => tabLabels().includes('LSMI Samples') || undefined, 10_000);
  console.log('vscode suite: passed');
}
