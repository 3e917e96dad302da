import * as vscode from 'vscode';
import { ExportFormat, exportMetrics } from '../report/metrics-export';
import { trusted } from './trust';
import { configuredRoots } from './workspace-config';

const FORMATS: Array<vscode.QuickPickItem & { format: ExportFormat }> = [
  { label: 'TensorBoard and DVC', description: 'both', format: 'both' },
  { label: 'TensorBoard', description: 'events.out.tfevents.* per run', format: 'tensorboard' },
  { label: 'DVC', description: 'DVCLive layout: plots/metrics/lsmi/*.tsv and metrics.json per run', format: 'dvclive' },
];

/**
 * LSMI: Export Metrics (TensorBoard, DVC)…: the R, U1, U2, S of a runs folder's analysed
 * checkpoints, written below a folder the user picks, as `lsmi export` writes them. Nothing is
 * analysed; trusted workspaces only.
 */
export async function exportMetricsCommand(): Promise<void> {
  if (!trusted()) return;
  const rs = configuredRoots();
  const root =
    rs.length > 1
      ? await vscode.window.showQuickPick(rs, { title: 'Export the metrics of which runs folder?' })
      : rs[0];
  if (!root) {
    if (!rs.length) void vscode.window.showInformationMessage('Add a runs folder first (LSMI: Add Runs Folder).');
    return;
  }
  const pick = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    title: 'Folder to export the metrics to',
    openLabel: 'Export Here',
  });
  const out = pick?.[0];
  if (!out) return;
  const format = await vscode.window.showQuickPick(FORMATS, { title: 'Export as' });
  if (!format) return;
  try {
    const r = exportMetrics(root, out.fsPath, format.format);
    if (!r) {
      void vscode.window.showInformationMessage(`No analyzed checkpoints in ${root} yet: nothing exported.`);
      return;
    }
    const what = `${r.runs.length} run${r.runs.length === 1 ? '' : 's'}, ${r.checkpoints} checkpoints`;
    const hint = format.format === 'dvclive' ? '' : ` Open with: tensorboard --logdir "${out.fsPath}"`;
    void vscode.window.showInformationMessage(`Exported ${what} to ${out.fsPath}.${hint}`);
  } catch (e) {
    void vscode.window.showErrorMessage(`LSMI export failed: ${(e as Error).message}`);
  }
}
