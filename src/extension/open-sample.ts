import * as path from 'path';
import * as vscode from 'vscode';
import { manifestEntry, readManifest, readRunConfig } from '../runs/run-config';
import { runOf } from '../runs/pipeline';

const IMAGES = /\.(png|jpe?g|gif|bmp|webp|svg)$/i;

/**
 * Open row `index` of a checkpoint (its sample `id` when the dump has ids) from its run's manifest (run.json `manifest`, else
 * samples.jsonl): an image in VS Code's image preview, a text file at `#L<line>`, inline text
 * as a read-only document.
 */
export async function openSample(root: string, checkpoint: string, index: number, id?: number): Promise<void> {
  const run = runOf(root, checkpoint);
  const runDir = run === '.' ? root : path.join(root, run);
  const manifestPath = path.resolve(runDir, readRunConfig(runDir).manifest ?? 'samples.jsonl');
  let entries;
  try {
    entries = readManifest(manifestPath);
  } catch (e) {
    throw new Error(`Cannot open sample ${index}: ${(e as Error).message.includes('ENOENT') ? `no manifest at ${manifestPath}` : (e as Error).message}`);
  }
  const entry = manifestEntry(entries, index, id);
  if (!entry) throw new Error(id === undefined ? `${manifestPath} has ${entries.length} samples; sample ${index} is not in it` : `${manifestPath} has no sample with id ${id} (row ${index} of the dump)`);
  const source = entry.sources?.[0];
  if (source) {
    const [file, line] = source.split('#L');
    const uri = vscode.Uri.file(path.resolve(runDir, file));
    if (IMAGES.test(file) || !line) { await vscode.commands.executeCommand('vscode.open', uri); return; }
    const doc = await vscode.window.showTextDocument(uri, { preview: true });
    const pos = new vscode.Position(Math.max(0, Number(line) - 1), 0);
    doc.selection = new vscode.Selection(pos, pos);
    doc.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ content: `sample ${entry.id}${entry.label ? ` (${entry.label})` : ''}\n\n${entry.text ?? ''}`, language: 'plaintext' });
  await vscode.window.showTextDocument(doc, { preview: true });
}
