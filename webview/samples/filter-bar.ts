/**
 * The explorer's filter bar: a min/max pair per interaction, the id filter, the brushed
 * selection (with Clear selection) and Export filtered CSV. The bar is built once per
 * checkpoint and kept across redraws, so a field keeps its focus and text while the rows
 * change under it.
 */
import { el } from '../dom';
import { button } from '../controls';
import { SAMPLE_KEYS, SampleKey } from '../interactions';
import { Samples, change, keyLabel, part, setBrush } from './state';
import { parseIds } from './filters';
import { exportFiltered } from './export';

/** A text field whose inner input is named `label` (vscode-textfield's label property is its aria-label). */
function field(cls: string, label: string, value: string, attrs: Record<string, string> = {}): HTMLInputElement {
  const t = el('vscode-textfield' as 'input', { class: cls, ...attrs });
  Object.assign(t, { label, value });
  t.dataset.label = label;
  return t;
}

/** Applies a field once its change has finished (Tab has moved focus on by then). */
function onCommit(t: HTMLInputElement, apply: (value: string) => void): void {
  t.addEventListener('change', () => setTimeout(() => apply(t.value.trim())));
  t.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') setTimeout(() => apply(t.value.trim()));
  });
}

function rangeFields(s: Samples, k: SampleKey): HTMLElement {
  const box = el('span', { class: 'range' });
  box.append(el('span', { class: 'range-name' }, keyLabel(s.data, k)));
  for (const side of ['min', 'max'] as const) {
    const v = s.state[side][k];
    const t = field(
      `${side}-${k}`,
      `${side === 'min' ? 'Minimum' : 'Maximum'} ${k}`,
      v === undefined ? '' : String(v),
      { inputmode: 'decimal', placeholder: side },
    );
    onCommit(t, (text) => {
      const n = text === '' ? undefined : Number(text);
      t.toggleAttribute('invalid', n !== undefined && !Number.isFinite(n));
      if (n !== undefined && !Number.isFinite(n)) return;
      if (n === s.state[side][k]) return;
      const bounds = { ...s.state[side] };
      if (n === undefined) delete bounds[k];
      else bounds[k] = n;
      change(s, { [side]: bounds });
    });
    box.append(t);
  }
  return box;
}

function idField(s: Samples): HTMLElement {
  const d = s.data!;
  const t = field('filter-ids', 'Filter samples', s.state.idFilter, {
    placeholder: d.ids ? 'ids: 12, 40-55' : 'rows: 12, 40-55',
    title: d.ids ? "the dump's sample ids, or ranges of them" : 'row numbers, or ranges of them',
  });
  onCommit(t, (text) => {
    if (text !== s.state.idFilter) change(s, { idFilter: text });
  });
  return t;
}

function buildBar(s: Samples): HTMLElement {
  const bar = el('div', { class: 'filters', role: 'group', 'aria-label': 'Filters' });
  const ranges = el('div', { class: 'ranges' });
  ranges.append(...SAMPLE_KEYS.map((k) => rangeFields(s, k)));
  const ids = el('div', { class: 'ids' });
  ids.append(idField(s), el('span', { class: 'ids-note', role: 'status' }));
  const exp = button('Export filtered CSV', 'export-filtered', () => exportFiltered(s), true);
  exp.setAttribute('aria-label', 'Export filtered CSV');
  ids.append(exp);
  const sel = el('div', { class: 'selection' });
  const clear = button('Clear selection', 'clear-selection', () => clearSelection(s), true);
  clear.setAttribute('aria-label', 'Clear selection');
  sel.append(el('span', { class: 'selection-note' }), clear);
  bar.append(ranges, ids, sel);
  return bar;
}

/** Forgets the scatter's brushed selection (the button, or Escape on the panel). */
export function clearSelection(s: Samples): void {
  if (!s.brush) return;
  setBrush(s, undefined);
  s.redraw();
}

/** The bar (built on first use) with its notes brought up to date. */
export function drawFilterBar(s: Samples): HTMLElement {
  const bar = part(s, 'filters', () => buildBar(s));
  const bad = parseIds(s.state.idFilter).bad;
  bar.querySelector('.ids-note')!.textContent = bad.length ? `not understood: ${bad.join(', ')}` : '';
  const sel = bar.querySelector<HTMLElement>('.selection')!;
  sel.hidden = !s.brush;
  sel.querySelector('.selection-note')!.textContent = s.brush
    ? `${s.brush.count.toLocaleString()} samples selected on the scatter`
    : '';
  return bar;
}

/**
 * Runs `draw` (which may replace parts of the page), then gives focus back to the element that
 * had it, or to its replacement: the new element of the same column header or class.
 */
export function keepFocus(draw: () => void): void {
  const had = document.activeElement as HTMLElement | null;
  const col = had?.getAttribute('data-col');
  const again = col ? `[data-col="${CSS.escape(col)}"]` : had?.classList[0] ? `.${CSS.escape(had.classList[0])}` : '';
  draw();
  if (!had || had === document.body || document.activeElement === had) return;
  if (had.isConnected) had.focus();
  else if (again) document.querySelector<HTMLElement>(again)?.focus();
}
