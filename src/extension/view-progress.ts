import * as vscode from 'vscode';

/**
 * The Runs view's progress bar while the pipeline analyzes (VS Code draws it under the view's
 * title, and badges the activity-bar icon when the view is hidden): shown from the first job
 * started until the pipeline goes idle, is restarted or the extension stops.
 */
export class ViewProgress implements vscode.Disposable {
  private finish: (() => void) | undefined;

  constructor(private readonly viewId: string) {}

  /** Shows the progress (once; further calls while shown do nothing). */
  begin(): void {
    if (this.finish) return;
    void vscode.window.withProgress(
      { location: { viewId: this.viewId } },
      () => new Promise<void>((resolve) => (this.finish = resolve)),
    );
  }

  end(): void {
    this.finish?.();
    this.finish = undefined;
  }

  dispose(): void {
    this.end();
  }
}
