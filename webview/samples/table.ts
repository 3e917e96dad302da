/**
 * The sample table: a virtualised grid (only the rows in view exist in the DOM, so 100k
 * samples scroll like 40), sortable by any column. The grid is one tab stop; arrow keys move
 * the active row (aria-activedescendant) and Enter opens it.
 */
import { classLabel } from '../labels';
import { el, setChildren } from '../dom';
import { SAMPLE_KEYS } from '../interactions';
import { Col, Samples, change, columns, inputIndex, keyLabel, part } from './state';
import { requestDetail } from './detail';

/** Height of a row in pixels (the stylesheet's too). */
const ROW = 24;
/** The viewport's height in pixels (the stylesheet's) until it is measured. */
const VIEW_HEIGHT = 520;

/**
 * The grid, kept per checkpoint: its elements, the rows it shows (s.rows when drawn), the active
 * row (a position in those rows, -1 for none), and the viewport's scroll offset and height as
 * last seen, so a redraw paints without forcing a layout.
 */
interface Grid {
  s: Samples;
  viewport: HTMLElement;
  spacer: HTMLElement;
  body: HTMLElement;
  rows: Int32Array;
  cursor: number;
  top: number;
  height: number;
}

/** Draws the count, headers and grid into `host`; the grid is kept, its rows repainted. */
export function drawTable(s: Samples, host: HTMLElement): void {
  const d = s.data!;
  host.classList.toggle('with-ids', !!d.ids);
  const g = gridOf(s);
  const count = el('p', { class: 'count' }, `${s.rows.length.toLocaleString()} of ${d.n.toLocaleString()} samples`);
  setChildren(host, [count, tableHead(s), g.viewport]);
  if (!sameRows(g.rows, s.rows)) showRows(g);
  else {
    g.rows = s.rows; // the same order: scroll and active row stay; rows repainted (a theme, a selection)
    paint(g, false);
  }
  if (s.scrollToSelected && g.cursor >= 0) {
    s.scrollToSelected = false;
    // Centre it once the viewport has its height.
    requestAnimationFrame(() => {
      g.viewport.scrollTop = Math.max(0, g.cursor * ROW - g.viewport.clientHeight / 2);
      paint(g);
    });
  }
}

/** Whether two row orders are the same (a redraw that changed no filter or sort keeps the scroll). */
function sameRows(a: Int32Array, b: Int32Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** New rows (filtered or sorted): back to the top, the active row follows its sample. */
function showRows(g: Grid): void {
  const { s } = g;
  g.rows = s.rows;
  g.spacer.style.height = `${s.rows.length * ROW}px`;
  g.viewport.setAttribute('aria-rowcount', String(s.rows.length + 1));
  g.cursor = s.selected >= 0 ? s.rows.indexOf(s.selected) : -1;
  if (g.top !== 0) g.viewport.scrollTop = 0;
  g.top = 0;
  paint(g, false);
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

/** This checkpoint's grid, built and wired on first use. */
function gridOf(s: Samples): Grid {
  const viewport = part(s, 'grid', () =>
    el('div', {
      class: 'viewport',
      role: 'grid',
      tabindex: '0',
      'aria-label': 'Samples',
      'aria-description': "arrow keys move between rows; Enter opens the sample's source",
    }),
  );
  let g = grids.get(viewport);
  if (!g) {
    const spacer = el('div', { class: 'spacer' });
    const body = el('div', { class: 'rows' });
    spacer.append(body);
    viewport.append(spacer);
    g = { s, viewport, spacer, body, rows: new Int32Array(0), cursor: -1, top: 0, height: VIEW_HEIGHT };
    wireGrid(g);
    grids.set(viewport, g);
  }
  return g;
}

const grids = new WeakMap<HTMLElement, Grid>();

/** Opens the sample at position k: the host opens its source. */
function open(g: Grid, k: number): void {
  const { s } = g;
  s.selected = g.rows[k];
  s.mark(); // ring the sample on the scatter
  s.vscode.postMessage({ type: 'openSample', file: s.data!.file, index: inputIndex(s.data, s.selected) });
  requestDetail(s); // its trajectory and preview
}

/**
 * Draws the rows in view (and a few around them). `measure` reads the viewport's scroll offset
 * and height (a layout); a redraw passes false and uses the last ones seen.
 */
function paint(g: Grid, measure = true): void {
  const { rows } = g;
  if (measure) [g.top, g.height] = [g.viewport.scrollTop, g.viewport.clientHeight || g.height];
  const first = Math.max(0, Math.floor(g.top / ROW) - 5);
  const last = Math.min(rows.length, first + Math.ceil(g.height / ROW) + 10);
  g.body.style.transform = `translateY(${first * ROW}px)`;
  g.body.replaceChildren();
  for (let k = first; k < last; k++) g.body.append(rowElement(g, k));
  // Only a row that exists can be the active descendant.
  if (g.cursor >= first && g.cursor < last) g.viewport.setAttribute('aria-activedescendant', `row-${g.cursor}`);
  else g.viewport.removeAttribute('aria-activedescendant');
}

/** The row at position k; a click opens it. */
function rowElement(g: Grid, k: number): HTMLElement {
  const { s } = g,
    d = s.data!,
    i = g.rows[k];
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
  const { rows } = g,
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
      End: g.rows.length - 1,
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
