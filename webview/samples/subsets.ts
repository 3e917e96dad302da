/** High- and low-redundancy subsets at a chosen quantile of r (paper Section 4.3.1), exported as sample indices. */
import type { SampleData } from '../../src/shared/protocol';
import { el } from '../dom';
import { button, numberField } from '../controls';
import { Samples, change, inputIndex, part } from './state';

/** Positions in the dump (ascending) of the samples in the top or bottom `quantile` of r. */
export function subsetIndices(d: SampleData, which: 'high' | 'low', quantile: number): number[] {
  const order = Array.from({ length: d.n }, (_, i) => i).sort((a, b) => d.r[a] - d.r[b]);
  const k = Math.max(1, Math.round(quantile * d.n));
  return (which === 'low' ? order.slice(0, k) : order.slice(d.n - k))
    .map((i) => inputIndex(d, i))
    .sort((a, b) => a - b);
}

export const drawSubsets = (s: Samples): HTMLElement => part(s, 'subsets', () => buildSubsets(s));

function buildSubsets(s: Samples): HTMLElement {
  const box = el('section', { class: 'subsets' });
  box.append(el('h2', {}, 'Redundancy subsets'));
  // The quantile is saved, not drawn: nothing on the page changes with it.
  const q = numberField(
    s.state.quantile,
    { class: 'quantile', min: '0.01', max: '0.5', step: '0.01', 'aria-label': 'Subset quantile of r' },
    (v) => change(s, { quantile: Math.min(0.5, Math.max(0.01, v || 0.25)) }, false),
  );
  const exportWhich = (which: 'high' | 'low') => {
    const now = s.data!; // the checkpoint shown when clicked
    const indices = subsetIndices(now, which, s.state.quantile);
    s.vscode.postMessage({ type: 'exportSubset', file: now.file, which, quantile: s.state.quantile, indices });
  };
  const hi = button('Export high-r indices', 'export-high', () => exportWhich('high'), true);
  const lo = button('Export low-r indices', 'export-low', () => exportWhich('low'), true);
  const label = el('label', {}, 'quantile ');
  label.append(q);
  box.append(label, hi, lo);
  return box;
}
