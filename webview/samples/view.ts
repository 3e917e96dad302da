/**
 * Sample explorer: every sample of one checkpoint in a virtualised table (sort and filter by
 * r, u1, u2, s, class, dominant interaction), a scatter of two interactions, the class table
 * (paper Table 3) and high/low-redundancy subsets at a chosen quantile (Section 4.3.1).
 * Selecting a row asks the host to open the sample's source.
 */
import { SampleData, dominant } from '../../src/shared/protocol';
import type { Mount } from '../vscode-api';
import { el, headerRow, legend } from '../dom';
import { button, numberField, select } from '../controls';
import { rasterPoints } from '../raster';
import { orderRows } from '../sort';
import { paletteResolved } from '../palette';

export const mountSamples: Mount = (root, vscode) => {
  const ROW = 24;
  type Col = 'index' | 'id' | 'class' | 'r' | 'u1' | 'u2' | 's' | 'dominant';
  /** The columns: the dump's sample ids only when it has them. */
  const cols = (): Col[] => (data?.ids ? ['index', 'id', 'class', 'r', 'u1', 'u2', 's', 'dominant'] : ['index', 'class', 'r', 'u1', 'u2', 's', 'dominant']);

  /** `file` lets VS Code restore the panel after a reload (the host reloads that checkpoint). */
  interface State { sort: Col; desc: boolean; cls: string; dom: string; x: 'r' | 'u1' | 'u2' | 's'; y: 'r' | 'u1' | 'u2' | 's'; quantile: number; file?: string }
  let state: State = { sort: 'index', desc: false, cls: 'all', dom: 'all', x: 'r', y: 's', quantile: 0.25, ...((vscode.getState() as Partial<State>) ?? {}) };
  let data: SampleData | undefined;
  let dom: Array<'r' | 'u1' | 'u2' | 's'> = [];
  let rows: Int32Array = new Int32Array(0);
  /** The sample last opened (a row index of the dump data), kept across sorting and filtering. */
  let selected = -1;
  /** set when the host asks for a sample: the next table drawn scrolls to it */
  let scrollToSelected = false;

  const className = (c: number) => data?.classNames?.[c] ?? String(c);
  /** The sample's position in the dump (what the manifest and exports refer to). */
  const inputIndex = (i: number) => data?.inputIndex?.[i] ?? i;

  /** Each value's rank among `v` (ids can exceed float32's exact integers; ranks cannot). */
  function ranks(v: Float64Array): Float64Array {
    const sorted = Float64Array.from(v).sort();
    return v.map((x) => {
      let lo = 0, hi = sorted.length - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] < x) lo = mid + 1; else hi = mid; }
      return lo;
    });
  }

  /** Filter, then sort: the row order the table shows. */
  function computeRows(): void {
    const d = data!;
    const keep: number[] = [];
    for (let i = 0; i < d.n; i++) {
      if (state.cls !== 'all' && d.y[i] !== Number(state.cls)) continue;
      if (state.dom !== 'all' && dom[i] !== state.dom) continue;
      keep.push(i);
    }
    if (state.sort === 'id' && !d.ids) state = { ...state, sort: 'index' };
    const c = state.sort;
    const DOM_RANK = { r: 0, u1: 1, u2: 2, s: 3 };
    let key: ArrayLike<number>;
    if (c === 'r' || c === 'u1' || c === 'u2' || c === 's') key = d[c];
    else if (c === 'id' && d.ids) key = ranks(d.ids);
    else key = Float64Array.from({ length: d.n }, (_, i) => (c === 'index' ? inputIndex(i) : c === 'class' ? d.y[i] : DOM_RANK[dom[i]]));
    // Ties keep dump order whichever way the column sorts.
    rows = orderRows(Int32Array.from(keep), key, state.desc);
  }

  function save(): void { vscode.setState(state); }

  function drawTable(host: HTMLElement): void {
    const d = data!;
    host.classList.toggle('with-ids', !!d.ids);
    const head = el('div', { class: 'thead', role: 'row', 'aria-rowindex': '1' });
    for (const c of cols()) {
      const h = el('button', { class: `th${c === 'class' || c === 'dominant' ? '' : ' num'}`, 'data-col': c, role: 'columnheader', 'aria-sort': state.sort === c ? (state.desc ? 'descending' : 'ascending') : 'none' }, c + (state.sort === c ? (state.desc ? ' ▼' : ' ▲') : ''));
      h.addEventListener('click', () => { state = { ...state, sort: c, desc: state.sort === c ? !state.desc : c !== 'index' && c !== 'id' && c !== 'class' }; save(); render(); });
      head.append(h);
    }
    // The grid is one tab stop; arrow keys move the active row (aria-activedescendant), Enter opens it.
    const viewport = el('div', { class: 'viewport', role: 'grid', tabindex: '0', 'aria-rowcount': String(rows.length + 1), 'aria-label': 'samples' });
    const spacer = el('div', { class: 'spacer' });
    spacer.style.height = `${rows.length * ROW}px`;
    const body = el('div', { class: 'rows' });
    spacer.append(body);
    viewport.append(spacer);
    let cursor = rows.indexOf(selected);
    const open = (k: number) => {
      selected = rows[k];
      vscode.postMessage({ type: 'openSample', file: d.file, index: inputIndex(selected) });
    };
    // Only the rows in view exist in the DOM: 100k samples scroll like 40.
    const paint = () => {
      const first = Math.max(0, Math.floor(viewport.scrollTop / ROW) - 5);
      const last = Math.min(rows.length, first + Math.ceil(viewport.clientHeight / ROW) + 10);
      body.style.transform = `translateY(${first * ROW}px)`;
      body.replaceChildren();
      for (let k = first; k < last; k++) {
        const i = rows[k];
        const tr = el('div', {
          class: `tr${i === selected ? ' selected' : ''}${k === cursor ? ' active' : ''}`, role: 'row', id: `row-${k}`,
          'aria-rowindex': String(k + 2), 'aria-selected': String(i === selected), 'data-index': String(i),
        });
        tr.append(
          el('span', { class: 'td num', role: 'gridcell' }, String(inputIndex(i))),
          ...(d.ids ? [el('span', { class: 'td num', role: 'gridcell' }, String(d.ids[i]))] : []),
          el('span', { class: 'td', role: 'gridcell' }, className(d.y[i])),
          ...(['r', 'u1', 'u2', 's'] as const).map((c) => el('span', { class: 'td num', role: 'gridcell' }, d[c][i].toFixed(3))),
          el('span', { class: `td dom dom-${dom[i]}`, role: 'gridcell' }, dom[i]),
        );
        tr.addEventListener('click', () => { cursor = k; open(k); paint(); });
        body.append(tr);
      }
      if (cursor >= 0) viewport.setAttribute('aria-activedescendant', `row-${cursor}`);
    };
    const moveTo = (k: number) => {
      if (!rows.length) return;
      cursor = Math.max(0, Math.min(rows.length - 1, k));
      if (cursor * ROW < viewport.scrollTop) viewport.scrollTop = cursor * ROW;
      else if ((cursor + 1) * ROW > viewport.scrollTop + viewport.clientHeight) viewport.scrollTop = (cursor + 1) * ROW - viewport.clientHeight;
      paint();
    };
    viewport.addEventListener('scroll', paint);
    // Keyboard focus shows an active row at once; a mouse focus leaves the rows alone (its click follows).
    viewport.addEventListener('focus', () => { if (cursor < 0 && viewport.matches(':focus-visible')) moveTo(Math.ceil(viewport.scrollTop / ROW)); });
    viewport.addEventListener('keydown', (e) => {
      const page = Math.max(1, Math.floor(viewport.clientHeight / ROW) - 1);
      const to: Record<string, number> = { ArrowDown: cursor + 1, ArrowUp: cursor - 1, PageDown: cursor + page, PageUp: cursor - page, Home: 0, End: rows.length - 1 };
      if (e.key in to) { e.preventDefault(); moveTo(to[e.key]); }
      else if ((e.key === 'Enter' || e.key === ' ') && cursor >= 0) { e.preventDefault(); open(cursor); paint(); }
    });
    host.append(el('p', { class: 'count' }, `${rows.length.toLocaleString()} of ${d.n.toLocaleString()} samples`), head, viewport);
    if (scrollToSelected && cursor >= 0) {
      scrollToSelected = false;
      // Centre it once the viewport has its height.
      requestAnimationFrame(() => { viewport.scrollTop = Math.max(0, cursor * ROW - viewport.clientHeight / 2); paint(); });
    }
    requestAnimationFrame(paint);
    paint();
  }

  /**
   * An axis from the 0.5 % to the 99.5 % quantile of the shown values (all of them when few),
   * and how many values fall outside it.
   */
  function axisRange(v: Float32Array, at: Int32Array): [number, number, number] {
    const vals = Float32Array.from(at, (i) => v[i]).sort();
    const n = vals.length;
    if (!n) return [-1, 1, 0];
    const cut = n >= 1000 ? Math.floor(0.005 * n) : 0;
    let lo = vals[cut], hi = vals[n - 1 - cut];
    if (!(hi > lo)) { lo = vals[0]; hi = vals[n - 1]; }
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    const pad = 0.02 * (hi - lo);
    let out = 0;
    for (let k = 0; k < n; k++) if (vals[k] < lo - pad || vals[k] > hi + pad) out++;
    return [lo - pad, hi + pad, out];
  }

  /** The scatter drawn last and what it showed: sorting changes no point, so it is reused. */
  let scatter: { key: string; box: HTMLElement } | undefined;

  function drawScatter(host: HTMLElement): void {
    const d = data!;
    const W = 360, H = 300, m = 32;
    const shown = JSON.stringify([d.file, d.n, state.x, state.y, state.cls, state.dom]);
    if (scatter?.key === shown) { host.append(scatter.box); return; }
    const box = el('section', { class: 'scatter' });
    scatter = { key: shown, box };
    const pick = (axis: 'x' | 'y') => select(['r', 'u1', 'u2', 's'].map((k) => ({ value: k, label: k })), state[axis],
      { class: `axis-${axis}`, 'aria-label': `${axis} axis` }, (v) => { state = { ...state, [axis]: v }; save(); render(); });
    const title = el('h2', {}, 'Scatter ');
    title.append(pick('x'), document.createTextNode(' against '), pick('y'));
    const canvas = el('canvas', { width: String(W * 2), height: String(H * 2), role: 'img', 'aria-label': `${state.y} against ${state.x} for ${rows.length} samples` });
    canvas.style.width = `${W}px`;
    canvas.style.height = `${H}px`;
    box.append(title, canvas);
    host.append(box);
    const ctx = canvas.getContext('2d')!;
    ctx.scale(2, 2);
    const cs = getComputedStyle(document.documentElement);
    const colors = paletteResolved();
    const xs = d[state.x], ys = d[state.y];
    const [x0, x1, xOut] = axisRange(xs, rows), [y0, y1, yOut] = axisRange(ys, rows);
    // Points beyond the axes sit on the frame, so the tails still show without squashing the bulk.
    const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
    const sx = (v: number) => m + ((clamp(v, x0, x1) - x0) / (x1 - x0)) * (W - 2 * m), sy = (v: number) => H - m - ((clamp(v, y0, y1) - y0) / (y1 - y0)) * (H - 2 * m);
    rasterPoints(ctx, rows.length, (k) => 2 * sx(xs[rows[k]]), (k) => 2 * sy(ys[rows[k]]), (k) => d.y[rows[k]] % colors.length, colors, rows.length > 5000 ? 0.35 : 0.8);
    ctx.strokeStyle = cs.getPropertyValue('--vscode-editorWidget-border').trim() || '#d4d4d4';
    ctx.strokeRect(m, m, W - 2 * m, H - 2 * m);
    ctx.fillStyle = cs.getPropertyValue('--vscode-descriptionForeground').trim() || '#6b6b6b';
    ctx.font = '10px sans-serif';
    ctx.fillText(`${state.x} ${x0.toFixed(2)} … ${x1.toFixed(2)}`, m, H - 8);
    ctx.fillText(`${state.y} ${y0.toFixed(2)} … ${y1.toFixed(2)}`, 2, m - 8);
    const out = xOut + yOut;
    const classes = d.perClass.map((c) => c.class);
    const key = classes.length <= colors.length ? legend(classes.map((c) => [colors[c % colors.length], className(c)]))
      : el('div', { class: 'legend-keys' }, `colour: class number mod ${colors.length}`);
    if (out) key.append(el('div', {}, `axes span the 0.5–99.5 % quantiles; ${out.toLocaleString()} values beyond them sit on the frame`));
    box.append(key);
  }

  function drawClasses(host: HTMLElement): void {
    const d = data!;
    const box = el('section', { class: 'classes' });
    box.append(el('h2', {}, 'Classes (mean per class, nats)'));
    const table = el('table');
    table.append(headerRow(['class', 'n', 'R', 'U1', 'U2', 'S', 'top interaction']));
    const key = state.sort === 'r' ? 'R' : state.sort === 'u1' ? 'U1' : state.sort === 'u2' ? 'U2' : 'S';
    for (const c of [...d.perClass].sort((a, b) => b[key] - a[key])) {
      const tr = el('tr', { 'data-class': String(c.class) });
      const top = (['R', 'U1', 'U2', 'S'] as const).reduce((a, b) => (c[b] > c[a] ? b : a));
      tr.append(el('td', {}, c.name ?? className(c.class)), el('td', { class: 'num' }, String(c.n)),
        ...(['R', 'U1', 'U2', 'S'] as const).map((k) => el('td', { class: 'num' }, c[k].toFixed(3))), el('td', {}, top));
      table.append(tr);
    }
    box.append(el('p', { class: 'note' }, `ranked by ${key} (sort the table by an interaction to rank by it)`), table);
    host.append(box);
  }

  function drawSubsets(host: HTMLElement): void {
    const d = data!;
    const box = el('section', { class: 'subsets' });
    box.append(el('h2', {}, 'Redundancy subsets'));
    const q = numberField(state.quantile, { class: 'quantile', min: '0.01', max: '0.5', step: '0.01', 'aria-label': 'quantile' },
      (v) => { state = { ...state, quantile: Math.min(0.5, Math.max(0.01, v || 0.25)) }; save(); });
    const exportWhich = (which: 'high' | 'low') => {
      const order = Array.from({ length: d.n }, (_, i) => i).sort((a, b) => d.r[a] - d.r[b]);
      const k = Math.max(1, Math.round(state.quantile * d.n));
      const indices = (which === 'low' ? order.slice(0, k) : order.slice(d.n - k)).map(inputIndex).sort((a, b) => a - b);
      vscode.postMessage({ type: 'exportSubset', file: d.file, which, quantile: state.quantile, indices });
    };
    const hi = button('Export high-r indices', 'export-high', () => exportWhich('high'), true);
    const lo = button('Export low-r indices', 'export-low', () => exportWhich('low'), true);
    const label = el('label', {}, 'quantile ');
    label.append(q);
    box.append(label, hi, lo);
    host.append(box);
  }

  function render(): void {
    const app = root;
    app.replaceChildren();
    const d = data!;
    computeRows();
    const header = el('header');
    header.append(el('h1', {}, `Samples — ${d.run}${d.epoch !== undefined ? `, epoch ${d.epoch}` : ''}`));
    const cls = select([{ value: 'all', label: 'all classes' }, ...d.perClass.map((c) => ({ value: String(c.class), label: className(c.class) }))], state.cls,
      { class: 'filter-class', 'aria-label': 'class' }, (v) => { state = { ...state, cls: v }; save(); render(); });
    const domSel = select(['all', 'r', 'u1', 'u2', 's'].map((v) => ({ value: v, label: v === 'all' ? 'any dominant interaction' : `dominant ${v}` })), state.dom,
      { class: 'filter-dominant', 'aria-label': 'dominant interaction' }, (v) => { state = { ...state, dom: v }; save(); render(); });
    header.append(cls, domSel);
    app.append(header);
    const main = el('div', { class: 'layout' });
    const left = el('div', { class: 'left' }), right = el('div', { class: 'right' });
    drawTable(left);
    drawScatter(right);
    drawSubsets(right);
    drawClasses(right);
    main.append(left, right);
    app.append(main);
  }

  // The canvas reads theme colours when it draws: VS Code marks a theme switch on body's class.
  new MutationObserver(() => { scatter = undefined; if (data) render(); }).observe(document.body, { attributes: true, attributeFilter: ['class'] });

  return (m) => {
    if (m.type === 'init' && m.view === 'samples') {
      if (data?.file !== m.data.file) selected = -1;
      data = m.data;
      state = { ...state, file: data.file };
      dom = Array.from({ length: data.n }, (_, i) => dominant(data!.r[i], data!.u1[i], data!.u2[i], data!.s[i]));
      if (m.select !== undefined) {
        const d = data;
        let i = 0;
        while (i < d.n && inputIndex(i) !== m.select) i++;
        if (i < d.n) {
          selected = i;
          // Filters that would hide the sample are lifted.
          if (state.cls !== 'all' && Number(state.cls) !== d.y[i]) state = { ...state, cls: 'all' };
          if (state.dom !== 'all' && state.dom !== dom[i]) state = { ...state, dom: 'all' };
          scrollToSelected = true;
        }
      }
      save();
      render();
    }
  };
};
