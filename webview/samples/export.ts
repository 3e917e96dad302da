/**
 * Export of the rows the table shows, in its order, as CSV: row, id (when the dump has ids),
 * class (its name when known), r, u1, u2, s, dominant. Cells go through the shared csvRow, so
 * a class name that starts like a formula is neutralised as in the dashboard's export. The
 * host writes the file; a plain page (static report) downloads it.
 */
import { csvRow } from '../../src/shared/protocol';
import { download } from '../dom';
import { SAMPLE_KEYS } from '../interactions';
import { Samples, inputIndex } from './state';

let exportId = 1;

/** Float32 values with the 9 significant digits that give back the same float32. */
const f32 = (v: number) => Number(v.toPrecision(9));

export function filteredCsv(s: Samples): string {
  const d = s.data!;
  const lines = [['row', ...(d.ids ? ['id'] : []), 'class', ...SAMPLE_KEYS, 'dominant'].join(',')];
  for (const i of s.rows) {
    const c = d.y[i];
    lines.push(
      csvRow([
        inputIndex(d, i),
        ...(d.ids ? [d.ids[i]] : []),
        d.classNames?.[c] ?? c,
        ...SAMPLE_KEYS.map((k) => f32(d[k][i])),
        s.dom[i],
      ]),
    );
  }
  return lines.join('\n') + '\n';
}

export function exportFiltered(s: Samples): void {
  const d = s.data!;
  const content = filteredCsv(s);
  s.vscode.postMessage({ type: 'export', id: exportId++, format: 'csv', content });
  if (!window.acquireVsCodeApi)
    download(`${d.run}-${d.epoch ?? 'checkpoint'}-samples.csv`.replace(/[^\w.-]+/g, '-'), content, 'text/csv');
}
