/** Dataset values R, U1, U2, S of A and B as bars on one scale, with the change. */
import type { SampleData } from '../../src/shared/protocol';
import { el } from '../dom';
import { INTERACTIONS, Interaction } from '../interactions';
import { originText } from '../labels';
import { Compare, keyName, label, signed } from './model';

/** Length in pixels of the longest bar. */
const BAR = 260;

export function drawBars(c: Compare, host: HTMLElement): void {
  const A = c.A!,
    B = c.B!;
  const box = el('section', { class: 'bars' });
  box.append(el('h2', {}, 'R, U1, U2, S (nats)'));
  const max = Math.max(0.05, ...INTERACTIONS.flatMap((k) => [A.dataset[k], B.dataset[k]]));
  const table = el('table');
  for (const k of INTERACTIONS) {
    const tr = el('tr');
    tr.append(el('th', {}, keyName(c, k)));
    const cell = el('td');
    cell.append(barRow(A, 'a', k, max), barRow(B, 'b', k, max));
    tr.append(cell, el('td', { class: 'num delta' }, signed(B.dataset[k] - A.dataset[k])));
    table.append(tr);
  }
  box.append(table);
  host.append(box);
}

function barRow(d: SampleData, cls: 'a' | 'b', k: Interaction, max: number): HTMLElement {
  const row = el('div', { class: 'barrow' });
  const bar = el('span', {
    class: `bar bar-${cls}`,
    'data-interaction': k,
    title: `${label(d)}: ${d.dataset[k].toFixed(3)}${d.source ? ` (values ${originText(d)})` : ''}`,
  });
  bar.style.width = `${Math.max(0, (d.dataset[k] / max) * BAR).toFixed(1)}px`;
  row.append(bar, el('span', { class: 'num' }, d.dataset[k].toFixed(3)));
  return row;
}
