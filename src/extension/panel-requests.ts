import * as vscode from 'vscode';
import { loadSampleIds } from '../runs/samples';
import { UnsafePathError } from '../store/safe-path';
import type { WebviewToHost } from '../shared/protocol';
import { openSample } from './open-sample';
import { previewReply, trajectoryReply } from './sample-detail';
import type { Panel } from './panels';
import type { Checkpoint } from './runs-tree';
import { configuredRoots, rootOf } from './workspace-config';
import { rootOf as rootIn } from '../runs/layout';

type Message<T extends WebviewToHost['type']> = Extract<WebviewToHost, { type: T }>;

/**
 * A panel asks to open a sample's source: only of a checkpoint in a configured root, at a
 * row that is a non-negative integer (the page is not trusted to say where files are).
 */
export function openSampleRequest(m: Message<'openSample'>, checkpoints: Map<string, Checkpoint>): void {
  const root = rootOf(m.file);
  if (!root || !Number.isSafeInteger(m.index) || m.index < 0) {
    void vscode.window.showWarningMessage(
      `LSMI Lens opens samples only of checkpoints in its runs folders (${String(m.file)}).`,
    );
    return;
  }
  const job = checkpoints.get(m.file)?.job;
  void (async () => openSample(root, m.file, m.index, job ? loadSampleIds(root, job)?.[m.index] : undefined))().catch(
    (e: Error) =>
      vscode.window.showWarningMessage(
        e instanceof UnsafePathError ? `LSMI Lens refused to open sample ${m.index}: ${e.message}` : e.message,
      ),
  );
}

/** Longest export a panel may send (a CSV of 100k rows is a few MiB). */
const MAX_EXPORT_CHARS = 256 * 2 ** 20;

/** A panel's export (CSV or JSON it made, a chart as PNG or SVG) or a subset of a checkpoint's rows, saved where the user picks. */
export function exportRequest(
  m: Message<'export' | 'exportSubset'>,
  p: Panel,
  checkpoints: Map<string, Checkpoint>,
): void {
  void (async () => {
    const format = m.type === 'exportSubset' ? 'json' : m.format;
    const filters: Record<string, Record<string, string[]>> = {
      json: { JSON: ['json'] },
      csv: { CSV: ['csv'] },
      png: { 'PNG image': ['png'] },
      svg: { 'SVG image': ['svg'] },
    };
    // The page is not trusted to send well-formed requests: check before asking where to save.
    if (m.type === 'export' && (typeof m.content !== 'string' || m.content.length > MAX_EXPORT_CHARS))
      throw new Error('the panel sent an export that is not text or is over 256 MiB');
    if (m.type === 'exportSubset' && (!Array.isArray(m.indices) || !m.indices.every((i) => Number.isSafeInteger(i))))
      throw new Error('the panel sent a subset that is not a list of rows');
    const target = await vscode.window.showSaveDialog({ filters: filters[format] ?? filters.csv, saveLabel: 'Export' });
    if (!target) return;
    // Subsets list dump rows, and the dump's sample ids when it has them.
    const job = m.type === 'exportSubset' ? checkpoints.get(m.file)?.job : undefined;
    const jobRoot = job ? rootOf(job.file) : undefined;
    const ids = job && jobRoot ? loadSampleIds(jobRoot, job) : undefined;
    const content =
      m.type === 'export'
        ? m.content
        : JSON.stringify({
            checkpoint: m.file,
            subset: `${m.which} r`,
            quantile: m.quantile,
            indices: m.indices,
            ...(ids ? { ids: m.indices.map((i) => ids[i]) } : {}),
          });
    // A chart's PNG comes as base64; everything else is text.
    const bytes = format === 'png' ? Buffer.from(content, 'base64') : Buffer.from(content, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    if (m.type === 'export') p.post({ type: 'exported', id: m.id, path: target.fsPath });
  })().catch((e: Error) => vscode.window.showWarningMessage(`Export failed: ${e.message}`));
}

/** The job records of the checkpoints the extension knows in `root` (the settings read once, not per checkpoint). */
function jobsIn(root: string | undefined, checkpoints: Map<string, Checkpoint>) {
  if (!root) return [];
  const roots = configuredRoots();
  return [...checkpoints.values()].map((c) => c.job).filter((j) => rootIn(roots, j.file) === root);
}

/** A panel asks for a sample's r, u1, u2, s over its run's checkpoints (sample-detail.ts reads the cache). */
export function trajectoryRequest(m: Message<'trajectory'>, p: Panel, checkpoints: Map<string, Checkpoint>): void {
  const root = rootOf(m.file);
  p.post(trajectoryReply(root, jobsIn(root, checkpoints), m.file, m.index));
}

/** A panel asks for a sample's thumbnail or line of text (sample-detail.ts reads the manifest's source, bounded). */
export function previewRequest(m: Message<'preview'>, p: Panel, checkpoints: Map<string, Checkpoint>): void {
  const root = rootOf(m.file);
  const job = checkpoints.get(m.file)?.job;
  p.post(previewReply(root, job ? [job] : [], m.file, m.index));
}
