import * as path from 'path';
import * as vscode from 'vscode';
import type { JobRecord } from '../runs/status';
import type { IntervalSet } from '../shared/protocol';
import type { ValueSource } from '../shared/value-source';

type Means = { R: number; U1: number; U2: number; S: number };
export interface Checkpoint {
  job: JobRecord;
  dataset?: Means;
  intervals?: IntervalSet;
  /** where the values came from (valueSource of the result's probes) and the tooltip's text for it */
  source?: ValueSource;
  sourceLabel?: string;
}

type Node = { kind: 'run'; root: string; run: string } | { kind: 'checkpoint'; root: string; file: string };

const ICON: Record<JobRecord['state'], string> = {
  waiting: 'watch',
  queued: 'clock',
  running: 'sync~spin',
  done: 'pass',
  failed: 'error',
  cancelled: 'circle-slash',
};

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(3) : '?');
/** Longest error text a tooltip shows (the log has all of it). */
const MAX_ERROR_CHARS = 500;

/**
 * A checkpoint's tooltip. The file name and the error come from a runs root's files (untrusted):
 * they go in with appendText, which escapes Markdown, so they cannot add links, images or
 * command links; the string is not trusted and supports no HTML or theme icons.
 */
export function tooltip(c: Checkpoint): vscode.MarkdownString {
  const tip = new vscode.MarkdownString('', false);
  tip.isTrusted = false;
  tip.supportHtml = false;
  tip.appendMarkdown('**').appendText(path.basename(c.job.file)).appendMarkdown('**').appendText(` — ${c.job.state}`);
  const d = c.dataset;
  const iv = c.intervals;
  const ci = (k: 'R' | 'U1' | 'U2' | 'S') => (iv ? `${num(iv[k][0])} – ${num(iv[k][1])}` : '');
  if (d) {
    tip.appendMarkdown(
      `\n\n| | R | U1 | U2 | S |\n|---|---|---|---|---|\n| value | ${num(d.R)} | ${num(d.U1)} | ${num(d.U2)} | ${num(d.S)} |`,
    );
    if (iv)
      tip.appendMarkdown(
        `\n| ${Math.round(100 * Number(iv.level))}% interval | ${ci('R')} | ${ci('U1')} | ${ci('U2')} | ${ci('S')} |`,
      );
    tip.appendMarkdown('\n\nnats, adjusted');
    // The label may hold modality names from the dump (untrusted): as text.
    if (c.sourceLabel) tip.appendMarkdown('\n\nValue source: ').appendText(c.sourceLabel);
  }
  if (c.job.error) {
    const e = String(c.job.error);
    tip.appendMarkdown('\n\n').appendText(e.length > MAX_ERROR_CHARS ? `${e.slice(0, MAX_ERROR_CHARS)}…` : e);
  }
  return tip;
}

/** Runs view: runs of each root and their checkpoints with status icons and R/U1/U2/S tooltips. */
export class RunsTree implements vscode.TreeDataProvider<Node> {
  private changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly checkpoints: () => Map<string, Checkpoint>,
    private readonly roots: () => string[],
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  getChildren(node?: Node): Node[] {
    const all = [...this.checkpoints().values()];
    if (!node) {
      const runs = new Map<string, Node>();
      for (const c of all) {
        const root = this.roots().find((r) => c.job.file.startsWith(r + path.sep)) ?? '';
        runs.set(`${root}\0${c.job.run}`, { kind: 'run', root, run: c.job.run });
      }
      return [...runs.values()].sort((a, b) => (a.kind === 'run' && b.kind === 'run' ? a.run.localeCompare(b.run) : 0));
    }
    if (node.kind !== 'run') return [];
    return all
      .filter((c) => c.job.run === node.run && c.job.file.startsWith(node.root + path.sep))
      .sort((a, b) => (b.job.step ?? b.job.epoch ?? 0) - (a.job.step ?? a.job.epoch ?? 0))
      .map((c) => ({ kind: 'checkpoint', root: node.root, file: c.job.file }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'run') {
      const item = new vscode.TreeItem(
        node.run === '.' ? path.basename(node.root) : node.run,
        vscode.TreeItemCollapsibleState.Expanded,
      );
      item.contextValue = 'lsmiRun';
      item.iconPath = new vscode.ThemeIcon('graph-line');
      return item;
    }
    const c = this.checkpoints().get(node.file)!;
    const label =
      c.job.step !== undefined
        ? `step ${c.job.step}`
        : c.job.epoch !== undefined
          ? `epoch ${c.job.epoch}`
          : path.basename(c.job.file);
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.description = c.dataset ? `S ${num(c.dataset.S)}${c.source ? ` · ${c.source}` : ''}` : c.job.state;
    item.iconPath = new vscode.ThemeIcon(ICON[c.job.state]);
    item.contextValue = `lsmiCheckpoint.${c.job.state}`;
    item.resourceUri = vscode.Uri.file(c.job.file);
    item.tooltip = tooltip(c);
    // Clicking an analyzed checkpoint opens its samples (the expected default action of a row).
    if (c.job.state === 'done') {
      item.command = {
        command: 'lsmi.openSampleExplorer',
        title: 'Open Sample Explorer',
        arguments: [{ file: c.job.file }],
      };
    }
    return item;
  }
}
