/**
 * Sample explorer: every sample of one checkpoint in a virtualised table (sort and filter by
 * r, u1, u2, s, class, dominant interaction), a scatter of two interactions, the class table
 * (paper Table 3) and high/low-redundancy subsets at a chosen quantile (Section 4.3.1).
 * Selecting a row asks the host to open the sample's source.
 *
 * state.ts holds the checkpoint, settings and row order (filters.ts: which rows pass);
 * filter-bar.ts (range and id filters, export), table.ts, scatter.ts (brush.ts: linked
 * brushing), classes.ts and subsets.ts draw the parts.
 */
import type { Mount } from '../vscode-api';
import { el, setChildren } from '../dom';
import { select } from '../controls';
import { SAMPLE_KEYS } from '../interactions';
import { classLabel, sourceBadge } from '../labels';
import { Samples, change, computeRows, createSamples, keyLabel, part, receive } from './state';
import { drawTable } from './table';
import { drawScatter } from './scatter';
import { drawClasses } from './classes';
import { drawSubsets } from './subsets';
import { clearSelection, drawFilterBar, keepFocus } from './filter-bar';
import { drawDetail, receiveDetail } from './detail';

/** Title, where the values came from, and the class and dominant-interaction filters. */
function buildHeader(s: Samples): HTMLElement {
  const d = s.data!;
  const header = el('header');
  const title = el('h1', {}, `Samples — ${d.run}${d.epoch !== undefined ? `, epoch ${d.epoch}` : ''}`);
  const badge = sourceBadge(d);
  if (badge) title.append(badge);
  header.append(title);
  const cls = select(
    [
      { value: 'all', label: 'all classes' },
      ...d.perClass.map((c) => ({ value: String(c.class), label: classLabel(d, c.class) })),
    ],
    s.state.cls,
    { class: 'filter-class', 'aria-label': 'Filter by class' },
    (v) => change(s, { cls: v }),
  );
  const domSel = select(
    [
      { value: 'all', label: 'any dominant interaction' },
      ...SAMPLE_KEYS.map((v) => ({ value: v, label: `dominant ${keyLabel(d, v)}` })),
    ],
    s.state.dom,
    { class: 'filter-dominant', 'aria-label': 'Filter by dominant interaction' },
    (v) => change(s, { dom: v }),
  );
  header.append(cls, domSel);
  return header;
}

/** The header's filters set to the state (a selection may have lifted them). */
function syncHeader(s: Samples, page: HTMLElement): void {
  for (const [sel, value] of [
    ['.filter-class', s.state.cls],
    ['.filter-dominant', s.state.dom],
  ] as const) {
    const e = page.querySelector<HTMLSelectElement>(sel)!;
    if (e.value !== value) e.value = value;
  }
}

/** The page's frame, kept per checkpoint: header, and the two columns the parts go in. */
function buildPage(s: Samples): HTMLElement {
  const page = el('div', { class: 'page' });
  const main = el('div', { class: 'layout' });
  main.append(el('div', { class: 'left' }), el('div', { class: 'right' }));
  page.append(buildHeader(s), main);
  return page;
}

/**
 * Draws the panel from the state. Kept parts (header, filter bar, scatter, subsets, details)
 * stay where they are; the table and class table are drawn anew.
 */
function render(s: Samples): void {
  computeRows(s);
  const page = part(s, 'page', () => buildPage(s));
  setChildren(s.root, [page]);
  syncHeader(s, page);
  const left = page.querySelector<HTMLElement>('.left')!,
    right = page.querySelector<HTMLElement>('.right')!;
  const table = part(s, 'table', () => el('div', { class: 'table' }));
  setChildren(left, [drawFilterBar(s), table]);
  drawTable(s, table);
  setChildren(right, [drawDetail(s), drawScatter(s), drawSubsets(s), drawClasses(s)]);
}

export const mountSamples: Mount = (root, vscode) => {
  const s = createSamples(root, vscode);
  s.redraw = () => keepFocus(() => render(s));
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') clearSelection(s);
  });
  // The canvas reads theme colours when it draws: VS Code marks a theme switch on body's class.
  new MutationObserver(() => {
    s.scatter = undefined;
    if (s.data) s.redraw();
  }).observe(document.body, { attributes: true, attributeFilter: ['class'] });
  return (m) => {
    if (m.type === 'init' && m.view === 'samples') {
      receive(s, m.data, m.select);
      render(s);
    } else if (m.type === 'trajectory' || m.type === 'preview') receiveDetail(s, m);
  };
};
