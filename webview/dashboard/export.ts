/** Export of every run's values: the host writes the file; a plain page (static report) downloads it. */
import { toCsv } from '../../src/shared/protocol';
import { download } from '../dom';
import type { Dashboard } from './state';

export function exportRuns(d: Dashboard, format: 'csv' | 'json'): void {
  const content = format === 'csv' ? toCsv(d.runs) : JSON.stringify({ units: 'nats', runs: d.runs }, null, 2);
  d.vscode.postMessage({ type: 'export', id: d.exportId++, format, content });
  if (!window.acquireVsCodeApi)
    download(
      `lsmi-${d.title.replace(/\W+/g, '-')}.${format}`,
      content,
      format === 'csv' ? 'text/csv' : 'application/json',
    );
}
