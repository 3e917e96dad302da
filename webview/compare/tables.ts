/** The compare panel's tables: the samples whose value moved most, and each class's change. */
import { el, headerRow, swatch } from '../dom';
import { UPPER } from '../interactions';
import { classColor, classPalette } from '../palette';
import { Compare, Pairs, classOf, idx, keyName, signed } from './model';

/** How many moved samples the table lists. */
const TOP = 20;

export function drawMoved(c: Compare, host: HTMLElement, ps: Pairs): void {
  const A = c.A!,
    B = c.B!,
    k = c.state.key;
  const box = el('section', { class: 'moved' });
  const name = keyName(c, k);
  box.append(el('h2', {}, `Samples whose ${name} moved most`));
  const top = [...ps]
    .sort((p, q) => Math.abs(B[k][q[1]] - A[k][q[0]]) - Math.abs(B[k][p[1]] - A[k][p[0]]) || p[0] - q[0])
    .slice(0, TOP);
  const table = el('table');
  table.append(headerRow(['sample', 'class', `${name} at A`, `${name} at B`, 'change']));
  for (const [i, j] of top) {
    const tr = el('tr', {
      class: 'moved-row',
      'data-index': String(idx(A, i)),
      tabindex: '0',
      title: `row ${idx(A, i)} of A, row ${idx(B, j)} of B${A.ids ? `, id ${A.ids[i]}` : ''}`,
    });
    tr.append(
      el('td', { class: 'num' }, String(idx(A, i))),
      el('td', {}, classOf(c, A.y[i])),
      el('td', { class: 'num' }, A[k][i].toFixed(3)),
      el('td', { class: 'num' }, B[k][j].toFixed(3)),
      el('td', { class: 'num' }, signed(B[k][j] - A[k][i])),
    );
    // The explorer of B, at this sample: its other values and its neighbours in context.
    const open = () => c.vscode.postMessage({ type: 'openCheckpoint', run: B.run, file: B.file, sample: idx(B, j) });
    tr.addEventListener('click', open);
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') open();
    });
    table.append(tr);
  }
  box.append(table);
  host.append(box);
}

/** Per class (A's label of each pair): how many pairs, and the sum of B - A of the sample key over them. */
function pairedByClass(c: Compare, ps: Pairs): Map<number, { n: number; sum: number }> {
  const A = c.A!,
    a = A[c.state.key],
    b = c.B![c.state.key];
  const out = new Map<number, { n: number; sum: number }>();
  for (const [i, j] of ps) {
    const t = out.get(A.y[i]) ?? { n: 0, sum: 0 };
    t.n++;
    t.sum += b[j] - a[i];
    out.set(A.y[i], t);
  }
  return out;
}

/**
 * Each class's mean at A and B (over each checkpoint's own samples) and its change, then the
 * samples of the class paired in both and their mean change: the same samples before and after.
 */
export function drawClasses(c: Compare, host: HTMLElement, ps: Pairs): void {
  const A = c.A!,
    B = c.B!,
    K = UPPER[c.state.key];
  const box = el('section', { class: 'classes' });
  box.append(el('h2', {}, `Per class: ${keyName(c, K)} at A and B`));
  const table = el('table');
  table.append(headerRow(['class', 'A', 'B', 'change', 'pairs', `mean Δ${keyName(c, c.state.key)} of pairs`]));
  const bByClass = new Map(B.perClass.map((x) => [x.class, x]));
  const paired = pairedByClass(c, ps);
  const colors = classPalette(); // each class's colour in the scatter
  for (const a of A.perClass) {
    const b = bByClass.get(a.class);
    if (!b) continue;
    const tr = el('tr', { 'data-class': String(a.class) });
    const name = el('td');
    name.append(swatch(classColor(colors, a.class)), a.name ?? classOf(c, a.class));
    const p = paired.get(a.class);
    tr.append(
      name,
      el('td', { class: 'num' }, a[K].toFixed(3)),
      el('td', { class: 'num' }, b[K].toFixed(3)),
      el('td', { class: 'num' }, signed(b[K] - a[K])),
      el('td', { class: 'num' }, (p?.n ?? 0).toLocaleString('en-US')),
      el('td', { class: 'num paired-change' }, p ? signed(p.sum / p.n) : '–'),
    );
    table.append(tr);
  }
  box.append(table);
  host.append(box);
}
