/**
 * The sample table: a virtualised grid (only the rows in view exist in the DOM, so 100k
 * samples scroll like 40), sortable by any column. The grid is one tab stop; arrow keys move
 * the active row (aria-activedescendant) and Enter opens it.
 */
import { classLabel } from '../labels';
import { el } from '../dom';
import { SAMPLE_KEYS } from '../interactions';
import { Col, Samples, change, columns, inputIndex, keyLabel } from './state';
import { requestDetail } from './detail';

/** Height of a row in pixels (the stylesheet's too). */
const ROW = 24;

/** One drawn grid: its elements and the active row (a position in `s.rows`, -1 for none). */
interface Grid {
  s: Samples;
  viewport: HTMLElement;
  body: HTMLElement;
  cursor: number;
}

export function drawTable(s: Samples, host: HTMLElement): void {
  const d = s.data!;
  host.classList.toggle('with-ids', !!d.ids);
  const g = createGrid(s);
  wireGrid(g);
  host.append(
    el('p', { class: 'count' }, `${s.rows.length.toLocaleString()} of ${d.n.toLocaleString()} samples`),
    tableHead(s),
    g.viewport,
  );
  if (s.scrollToSelected && g.cursor >= 0) {
    s.scrollToSelected = false;
    // Centre it once the viewport has its height.
    requestAnimationFrame(() => {
      g.viewport.scrollTop = Math.max(0, g.cursor * ROW - g.viewport.clientHeight / 2);
      paint(g);
    });
  }
  requestAnimationFrame(() => paint(g));
  paint(g);
}

/** A column's header text: u1 and u2 name their modality when the host sent names. */
const colLabel = (s: Samples, c: Col) => (c === 'u1' || c === 'u2' ? keyLabel(s.data, c) : c);

/** Column headers: a click sorts by the column, again reverses it (numbers start descending). */
function tableHead(s: Samples): HTMLElement {
  const { sort, desc } = s.state;
  const head = el('div', { class: 'thead', role: 'row', 'aria-rowindex': '1' });
  for (const c of columns(s.data)) {
    const h = el(
      'button',
      {
        class: `th${c === 'class' || c === 'dominant' ? '' : ' num'}`,
        'data-col': c,
        role: 'columnheader',
        title: colLabel(s, c),
        'aria-sort': sort === c ? (desc ? 'descending' : 'ascending') : 'none',
      },
      colLabel(s, c) + (sort === c ? (desc ? ' ▼' : ' ▲') : ''),
    );
    // A long modality name ends in an ellipsis within its column (the title holds all of it).
    Object.assign(h.style, { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' });
    h.addEventListener('click', () =>
      change(s, { sort: c, desc: s.state.sort === c ? !s.state.desc : c !== 'index' && c !== 'id' && c !== 'class' }),
    );
    head.append(h);
  }
  return head;
}

function createGrid(s: Samples): Grid {
  const viewport = el('div', {
    class: 'viewport',
    role: 'grid',
    tabindex: '0',
    'aria-rowcount': String(s.rows.length + 1),
    'aria-label': 'samples',
  });
  const spacer = el('div', { class: 'spacer' });
  spacer.style.height = `${s.rows.length * ROW}px`;
  const body = el('div', { class: 'rows' });
  spacer.append(body);
  viewport.append(spacer);
  return { s, viewport, body, cursor: s.rows.indexOf(s.selected) };
}

/** Opens the sample at position k: the host opens its source. */
function open(g: Grid, k: number): void {
  const { s } = g;
  s.selected = s.rows[k];
  s.mark(); // ring the sample on the scatter
  s.vscode.postMessage({ type: 'openSample', file: s.data!.file, index: inputIndex(s.data, s.selected) });
  requestDetail(s); // its trajectory and preview
}

/** Draws the rows in view (and a few around them). */
function paint(g: Grid): void {
  const { rows } = g.s;
  const first = Math.max(0, Math.floor(g.viewport.scrollTop / ROW) - 5);
  const last = Math.min(rows.length, first + Math.ceil(g.viewport.clientHeight / ROW) + 10);
  g.body.style.transform = `translateY(${first * ROW}px)`;
  g.body.replaceChildren();
  for (let k = first; k < last; k++) g.body.append(rowElement(g, k));
  if (g.cursor >= 0) g.viewport.setAttribute('aria-activedescendant', `row-${g.cursor}`);
}

/** The row at position k; a click opens it. */
function rowElement(g: Grid, k: number): HTMLElement {
  const { s } = g,
    d = s.data!,
    i = s.rows[k];
  const tr = el('div', {
    class: `tr${i === s.selected ? ' selected' : ''}${k === g.cursor ? ' active' : ''}`,
    role: 'row',
    id: `row-${k}`,
    'aria-rowindex': String(k + 2),
    'aria-selected': String(i === s.selected),
    'data-index': String(i),
  });
  tr.append(
    el('span', { class: 'td num', role: 'gridcell' }, String(inputIndex(d, i))),
    ...(d.ids ? [el('span', { class: 'td num', role: 'gridcell' }, String(d.ids[i]))] : []),
    el('span', { class: 'td', role: 'gridcell' }, classLabel(d, d.y[i])),
    ...SAMPLE_KEYS.map((c) => el('span', { class: 'td num', role: 'gridcell' }, d[c][i].toFixed(3))),
    el('span', { class: `td dom dom-${s.dom[i]}`, role: 'gridcell' }, s.dom[i]),
  );
  tr.addEventListener('click', () => {
    g.cursor = k;
    open(g, k);
    paint(g);
  });
  return tr;
}

/** Makes position k the active row and scrolls it into view. */
function moveTo(g: Grid, k: number): void {
  const { rows } = g.s,
    v = g.viewport;
  if (!rows.length) return;
  g.cursor = Math.max(0, Math.min(rows.length - 1, k));
  if (g.cursor * ROW < v.scrollTop) v.scrollTop = g.cursor * ROW;
  else if ((g.cursor + 1) * ROW > v.scrollTop + v.clientHeight) v.scrollTop = (g.cursor + 1) * ROW - v.clientHeight;
  paint(g);
}

function wireGrid(g: Grid): void {
  const v = g.viewport;
  v.addEventListener('scroll', () => paint(g));
  // Keyboard focus shows an active row at once; a mouse focus leaves the rows alone (its click follows).
  v.addEventListener('focus', () => {
    if (g.cursor < 0 && v.matches(':focus-visible')) moveTo(g, Math.ceil(v.scrollTop / ROW));
  });
  v.addEventListener('keydown', (e) => {
    const c = g.cursor,
      page = Math.max(1, Math.floor(v.clientHeight / ROW) - 1);
    const to: Record<string, number> = {
      ArrowDown: c + 1,
      ArrowUp: c - 1,
      PageDown: c + page,
      PageUp: c - page,
      Home: 0,
      End: g.s.rows.length - 1,
    };
    if (e.key in to) {
      e.preventDefault();
      moveTo(g, to[e.key]);
    } else if ((e.key === 'Enter' || e.key === ' ') && c >= 0) {
      e.preventDefault();
      open(g, c);
      paint(g);
    }
  });
}
