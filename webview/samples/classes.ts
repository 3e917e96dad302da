/** The class table (paper Table 3): mean R, U1, U2, S per class, ranked by the interaction the table sorts by. */
import { el, headerRow, swatch } from '../dom';
import { INTERACTIONS } from '../interactions';
import { classLabel, interactionLabel } from '../labels';
import { classColor, classPalette } from '../palette';
import { Samples } from './state';

export function drawClasses(s: Samples): HTMLElement {
  const d = s.data!;
  const box = el('section', { class: 'classes' });
  box.append(el('h2', {}, 'Classes (mean per class, nats)'));
  const table = el('table');
  const label = (k: (typeof INTERACTIONS)[number]) => interactionLabel(k, d.modalityNames);
  table.append(headerRow(['class', 'n', ...INTERACTIONS.map(label), 'top interaction']));
  const sort = s.state.sort;
  const key = sort === 'r' ? 'R' : sort === 'u1' ? 'U1' : sort === 'u2' ? 'U2' : 'S';
  const colors = classPalette(); // each class's colour in the scatter
  for (const c of [...d.perClass].sort((a, b) => b[key] - a[key])) {
    const tr = el('tr', { 'data-class': String(c.class) });
    const top = INTERACTIONS.reduce((a, b) => (c[b] > c[a] ? b : a));
    const name = el('td');
    name.append(swatch(classColor(colors, c.class)), c.name ?? classLabel(d, c.class));
    tr.append(
      name,
      el('td', { class: 'num' }, String(c.n)),
      ...INTERACTIONS.map((k) => el('td', { class: 'num' }, c[k].toFixed(3))),
      el('td', {}, label(top)),
    );
    table.append(tr);
  }
  box.append(
    el('p', { class: 'note' }, `ranked by ${label(key)} (sort the table by an interaction to rank by it)`),
    table,
  );
  return box;
}
