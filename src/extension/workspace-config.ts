import * as path from 'path';
import * as vscode from 'vscode';
import { rootOf as rootIn } from '../runs/layout';
import { checkRunsRoots, ExtensionSettings, readSettings } from './settings';

/**
 * The `lsmi` settings as this workspace holds them: the runs roots, and the checked settings
 * (settings.ts does the checking, without `vscode`). Read only once the workspace is trusted.
 */
export const lsmiConfig = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('lsmi');

/** `lsmi.runsRoots` as written (checked, not resolved): what the Add Runs Folder commands extend. */
export const listedRoots = (): string[] => checkRunsRoots(lsmiConfig().get<unknown>('runsRoots')).value;

/** The configured roots, absolute (relative ones are taken from the first workspace folder). */
export function configuredRoots(): string[] {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const base = folders[0]?.uri.fsPath ?? '';
  return listedRoots().map((r) => path.resolve(base, r));
}

/** The configured root holding `file`, or undefined for a path outside every root. */
export function rootOf(file: unknown): string | undefined {
  if (typeof file !== 'string' || !path.isAbsolute(file)) return undefined;
  const f = path.resolve(file);
  // A root itself is not a file in it.
  return rootIn(
    configuredRoots().filter((r) => r !== f),
    f,
  );
}

/**
 * Reads the checked settings. A setting that fell back to its default is logged every time and
 * shown once (again only after it was fixed).
 */
export class SettingsReader {
  private shownMessages = new Set<string>();

  constructor(private readonly output: vscode.LogOutputChannel) {}

  read(): ExtensionSettings {
    const c = lsmiConfig();
    const { settings, messages } = readSettings((k) => c.get<unknown>(k));
    const rootsMessage = checkRunsRoots(c.get<unknown>('runsRoots')).message;
    if (rootsMessage) messages.push(rootsMessage);
    for (const m of messages) {
      this.output.warn(m);
      if (!this.shownMessages.has(m)) void vscode.window.showWarningMessage(m);
    }
    this.shownMessages = new Set(messages);
    return settings;
  }
}
