import * as path from 'path';
import * as vscode from 'vscode';
import { loadSampleData } from '../runs/samples';
import { oldestFirst } from '../runs/trajectory';
import type { PanelHost } from './panel-host';
import type { RunLabels } from './run-series';
import type { Checkpoint } from './runs-tree';
import { trusted } from './trust';
import { rootOf } from './workspace-config';

/**
 * LSMI: Compare Checkpoints. From the palette: pick A and B; from a checkpoint's context
 * menu: it is A, pick B. Opens a compare panel of their per-sample values.
 */
export async function compareCheckpoints(
  node: { file?: string } | undefined,
  checkpoints: Map<string, Checkpoint>,
  labels: RunLabels,
  panels: PanelHost,
): Promise<void> {
  if (!trusted()) return;
  const pair = await pickPair(node, checkpoints, labels);
  if (!pair) return;
  const [a, b] = pair.map((c) => {
    const root = rootOf(c.job.file);
    return root ? loadSampleData(root, c.job) : undefined;
  });
  if (!a || !b) {
    void vscode.window.showWarningMessage('No cached per-sample values for one of them: use Analyze Again.');
    return;
  }
  panels.openCompare(a, b);
}

/** Two analyzed checkpoints (A, B) the user picks, or undefined when there are not two or the pick was dismissed. */
async function pickPair(
  node: { file?: string } | undefined,
  checkpoints: Map<string, Checkpoint>,
  labels: RunLabels,
): Promise<Checkpoint[] | undefined> {
  // In run order, earliest first: a multi-pick returns items in list order, so A is the earlier one
  // whatever order the watcher found the files in.
  const done = [...checkpoints.values()].filter((c) => c.job.state === 'done').sort(byRunThenTime(labels));
  if (done.length < 2) {
    void vscode.window.showInformationMessage('Compare needs two analyzed checkpoints.');
    return undefined;
  }
  const label = (c: Checkpoint) =>
    `${labels.of(c.job).name} · ${c.job.step !== undefined ? `step ${c.job.step}` : `epoch ${c.job.epoch}`}`;
  const items = (except?: string) =>
    done
      .filter((c) => c.job.file !== except)
      .map((c) => ({ label: label(c), description: path.basename(c.job.file), c }));
  const first = node?.file ? checkpoints.get(node.file) : undefined;
  if (first?.job.state === 'done') {
    const b = await vscode.window.showQuickPick(items(first.job.file), { title: `Compare ${label(first)} (A) with…` });
    return b ? [first, b.c] : undefined;
  }
  const picked = await vscode.window.showQuickPick(items(), {
    canPickMany: true,
    title: 'Pick two checkpoints: the first in the list is A, the other B',
  });
  return picked && picked.length === 2 ? picked.map((p) => p.c) : undefined;
}

/** Run name, then oldest first within a run: the order a multi-pick reports its picks in. */
function byRunThenTime(labels: RunLabels): (a: Checkpoint, b: Checkpoint) => number {
  return (a, b) =>
    labels.of(a.job).name.localeCompare(labels.of(b.job).name) ||
    a.job.run.localeCompare(b.job.run) ||
    oldestFirst(a.job, b.job);
}
