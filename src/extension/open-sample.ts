import * as vscode from 'vscode';
import { resolveSample } from './sample-source';

/**
 * Open row `index` of a checkpoint (its sample `id` when the dump has ids) from its run's
 * manifest, beside the panel: an image in VS Code's image preview, a text file at `#L<line>`,
 * inline text as an untitled document. The paths are checked by resolveSample (inside the run
 * folder, symlinks included, regular files only); only file: URIs are opened, with `vscode.open`
 * or a text editor, never a command or anything that runs.
 */
export async function openSample(root: string, checkpoint: string, index: number, id?: number): Promise<void> {
  const target = resolveSample(root, checkpoint, index, id);
  const beside: vscode.TextDocumentShowOptions = { viewColumn: vscode.ViewColumn.Beside, preview: true };
  if (target.kind === 'text') {
    const doc = await vscode.workspace.openTextDocument({ content: target.content, language: 'plaintext' });
    await vscode.window.showTextDocument(doc, beside);
    return;
  }
  const uri = vscode.Uri.file(target.path);
  if (target.image || target.line === undefined) {
    await vscode.commands.executeCommand('vscode.open', uri, beside);
    return;
  }
  const pos = new vscode.Position(target.line - 1, 0);
  const editor = await vscode.window.showTextDocument(uri, { ...beside, selection: new vscode.Range(pos, pos) });
  editor.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.InCenter);
}
