/** The composition table: shares of R, U1, U2, S in the latest checkpoint of each run. */
import type { RunSeries } from '../../src/shared/protocol';
import { INTERACTIONS } from '../interactions';
import { at, xOf } from '../checkpoint';
import { el, headerRow, swatch } from '../dom';
import { Dashboard, visibleRuns } from './state';
import { colorOf } from './colors';
import { keyLegend } from './charts';

/** Shares of R, U1, U2, S in the latest checkpoint of each run (negative parts count as 0). */
export function drawComposition(d: Dashboard): HTMLElement {
  const box = el('section', { class: 'composition' });
  box.append(el('h2', {}, 'Composition at the latest checkpoint'), keyLegend());
  const table = el('table');
  table.append(headerRow(['run', 'checkpoint', 'shares of I(X1,X2;Y)', 'R', 'U1', 'U2', 'S']));
  for (const r of visibleRuns(d)) table.append(compositionRow(d, r));
  box.append(table);
  return box;
}

function compositionRow(d: Dashboard, r: RunSeries): HTMLElement {
  const p = [...r.points].sort((a, b) => xOf(b) - xOf(a))[0];
  const pos = INTERACTIONS.map((k) => Math.max(0, p[k]));
  const total = pos.reduce((a, b) => a + b, 0) || 1;
  const tr = el('tr', { 'data-run': r.run });
  const name = el('td');
  name.append(swatch(colorOf(d.slots, r.run)), document.createTextNode(r.name));
  const bar = el('td');
  const stack = el('div', {
    class: 'stack',
    role: 'img',
    'aria-label': INTERACTIONS.map((k, i) => `${k} ${((100 * pos[i]) / total).toFixed(0)}%`).join(', '),
  });
  INTERACTIONS.forEach((k, i) => {
    const share = el('span', { class: `share share-${k}`, title: `${k} ${((100 * pos[i]) / total).toFixed(1)}%` });
    share.style.width = `${((100 * pos[i]) / total).toFixed(2)}%`;
    stack.append(share);
  });
  bar.append(stack);
  tr.append(name, el('td', {}, at(p)), bar, ...INTERACTIONS.map((k) => el('td', { class: 'num' }, p[k].toFixed(3))));
  return tr;
}
