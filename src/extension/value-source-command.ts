import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { RunValueSource, readRunConfig, writeRunSource } from '../runs/run-config';
import { isInside, resolveInside } from '../store/safe-path';
import type { RunLabels } from './run-series';
import type { Checkpoint } from './runs-tree';
import { trusted } from './trust';
import { configuredRoots } from './workspace-config';

/** A run as the Runs view names it: its root and its folder below it ('.' for dumps at the root's top level). */
export interface RunRef {
  root: string;
  run: string;
}

type Choice = vscode.QuickPickItem & { source: RunValueSource | undefined };

const CHOICES: Choice[] = [
  {
    label: 'Logits from the dump (when present)',
    detail: "The model's own heads (logits1, logits2, logits12); probes for a dump without them.",
    source: 'logits',
  },
  {
    label: 'Probes trained by LSMI Lens',
    detail: 'Ignore logits in the dumps; train probes on the features.',
    source: 'probes',
  },
  {
    label: 'Default (setting lsmi.useLogits)',
    detail: 'Remove "source" from run.json: the workspace setting decides.',
    source: undefined,
  },
];

/**
 * LSMI: Choose Value Source for Run… From a run's context menu in the Runs view, or from the
 * palette (pick a run). Sets run.json `source` of that run folder (writeRunSource: other keys
 * kept, written atomically, a link refused); the pipeline's watcher sees run.json change and
 * analyzes the run's checkpoints again with the new source (other runs keep their results).
 */
export async function chooseValueSource(
  node: Partial<RunRef> | undefined,
  checkpoints: Map<string, Checkpoint>,
  labels: RunLabels,
  output: vscode.LogOutputChannel,
): Promise<void> {
  if (!trusted()) return;
  const ref =
    typeof node?.root === 'string' && typeof node.run === 'string'
      ? (node as RunRef)
      : await pickRun(checkpoints, labels);
  if (!ref) return;
  const name = ref.run === '.' ? path.basename(ref.root) : ref.run;
  try {
    const dir = runFolder(ref);
    let current: RunValueSource | undefined;
    try {
      current = readRunConfig(dir).source;
    } catch {
      current = undefined; // a malformed run.json: writeRunSource refuses it and says why
    }
    const pick = await vscode.window.showQuickPick(
      CHOICES.map((c) => ({ ...c, description: c.source === current ? '(current)' : undefined })),
      { title: `Value source for run ${name}`, placeHolder: 'Where R, U1, U2, S take p(y|x) from' },
    );
    if (!pick || (pick.source === current && fs.existsSync(path.join(dir, 'run.json')))) return;
    const file = writeRunSource(dir, pick.source);
    if (!file) return;
    output.info(`${file}: source ${pick.source ?? 'removed (the lsmi.useLogits setting decides)'}`);
    vscode.window.setStatusBarMessage(
      `LSMI: run ${name} now takes values ${pick.source ? `from ${pick.source}` : 'as lsmi.useLogits says'}`,
      5000,
    );
  } catch (e) {
    const msg = (e as Error).message;
    output.error(`choose value source of run ${name}: ${msg}`);
    void vscode.window.showErrorMessage(`LSMI Lens could not update run.json of run ${name}: ${msg}`);
  }
}

/**
 * The folder of a run, checked: its root must be a configured one (a command's argument may
 * come from anywhere) and the run folder a real folder inside it (no link out of the root).
 */
function runFolder(ref: RunRef): string {
  const root = configuredRoots().find((r) => path.resolve(r) === path.resolve(ref.root));
  if (!root) throw new Error(`${ref.root} is not a configured runs folder`);
  if (ref.run === '.') return root;
  if (/[\\/]/.test(ref.run)) throw new Error(`${JSON.stringify(ref.run)} is not a run folder name`);
  const dir = resolveInside(root, ref.run, 'run folder');
  if (!isInside(root, dir) || !fs.statSync(dir).isDirectory()) throw new Error(`${dir} is not a folder`);
  return dir;
}

/** The runs of the Runs view, to pick one; undefined when there are none or the pick was dismissed. */
async function pickRun(checkpoints: Map<string, Checkpoint>, labels: RunLabels): Promise<RunRef | undefined> {
  const roots = configuredRoots();
  const runs = new Map<string, vscode.QuickPickItem & RunRef>();
  for (const c of checkpoints.values()) {
    const root = roots.find((r) => isInside(r, c.job.file) && c.job.file !== r);
    if (!root || runs.has(`${root}\0${c.job.run}`)) continue;
    const folder = c.job.run === '.' ? path.basename(root) : c.job.run;
    const label = labels.of(c.job).name;
    runs.set(`${root}\0${c.job.run}`, {
      label: label === c.job.run ? folder : label,
      description: [label === c.job.run ? undefined : folder, roots.length > 1 ? root : undefined]
        .filter(Boolean)
        .join(' · '),
      root,
      run: c.job.run,
    });
  }
  if (!runs.size) {
    void vscode.window.showInformationMessage('No runs yet: add a runs folder with checkpoint dumps first.');
    return undefined;
  }
  const items = [...runs.values()].sort((a, b) => a.label.localeCompare(b.label));
  const pick = await vscode.window.showQuickPick(items, { title: 'Choose the value source of which run?' });
  return pick && { root: pick.root, run: pick.run };
}
