/**
 * Compare panel: two checkpoints (same or different runs) side by side: R, U1, U2, S bars,
 * a per-sample scatter of one interaction at A against B, the samples that moved most, and
 * per-class changes.
 */
import { SampleData } from '../../src/shared/protocol';
import type { Mount } from '../vscode-api';
import { el, headerRow } from '../dom';
import { select } from '../controls';
import { rasterPoints } from '../raster';

export const mountCompare: Mount = (root, vscode) => {
  type Key = 'r' | 'u1' | 'u2' | 's';
  const UPPER: Record<Key, 'R' | 'U1' | 'U2' | 'S'> = { r: 'R', u1: 'U1', u2: 'U2', s: 'S' };
  /** `a`, `b` let VS Code restore the panel after a reload (the host reloads both checkpoints). */
  let state: { key: Key; a?: string; b?: string } = { key: 's', ...((vscode.getState() as { key?: Key }) ?? {}) };
  let A: SampleData | undefined, B: SampleData | undefined;

  const label = (d: SampleData) => `${d.run}${d.epoch !== undefined ? ` · epoch ${d.epoch}` : ''}`;
  const idx = (d: SampleData, i: number) => d.inputIndex?.[i] ?? i;

  /** Rows of A and B that are the same sample (by position in the dump). */
  function pairs(): Array<[number, number]> {
    const posB = new Map<number, number>();
    for (let j = 0; j < B!.n; j++) posB.set(idx(B!, j), j);
    const out: Array<[number, number]> = [];
    for (let i = 0; i < A!.n; i++) { const j = posB.get(idx(A!, i)); if (j !== undefined) out.push([i, j]); }
    return out;
  }

  function bars(host: HTMLElement): void {
    const box = el('section', { class: 'bars' });
    box.append(el('h2', {}, 'R, U1, U2, S (nats)'));
    const max = Math.max(0.05, ...(['R', 'U1', 'U2', 'S'] as const).flatMap((k) => [A!.dataset[k], B!.dataset[k]]));
    const table = el('table');
    for (const k of ['R', 'U1', 'U2', 'S'] as const) {
      const tr = el('tr');
      tr.append(el('th', {}, k));
      const cell = el('td');
      for (const [d, cls] of [[A!, 'a'], [B!, 'b']] as const) {
        const row = el('div', { class: 'barrow' });
        const bar = el('span', { class: `bar bar-${cls}`, 'data-interaction': k, title: `${label(d)}: ${d.dataset[k].toFixed(3)}` });
        bar.style.width = `${Math.max(0, (d.dataset[k] / max) * 260).toFixed(1)}px`;
        row.append(bar, el('span', { class: 'num' }, d.dataset[k].toFixed(3)));
        cell.append(row);
      }
      tr.append(cell, el('td', { class: 'num delta' }, `${B!.dataset[k] - A!.dataset[k] >= 0 ? '+' : ''}${(B!.dataset[k] - A!.dataset[k]).toFixed(3)}`));
      table.append(tr);
    }
    box.append(table);
    host.append(box);
  }

  function scatter(host: HTMLElement, ps: Array<[number, number]>): void {
    const W = 340, H = 300, m = 32, k = state.key;
    const box = el('section', { class: 'scatter' });
    const sel = select(['r', 'u1', 'u2', 's'].map((v) => ({ value: v, label: v })), k, { class: 'interaction', 'aria-label': 'interaction' },
      (v) => { state = { ...state, key: v as Key }; vscode.setState(state); render(); });
    const h = el('h2', {}, 'Per sample: ');
    h.append(sel, document.createTextNode(' at A (x) against B (y)'));
    const canvas = el('canvas', { width: String(W * 2), height: String(H * 2), role: 'img', 'aria-label': `${k} at ${label(A!)} against ${label(B!)}` });
    canvas.style.width = `${W}px`; canvas.style.height = `${H}px`;
    box.append(h, canvas);
    host.append(box);
    const ctx = canvas.getContext('2d')!;
    ctx.scale(2, 2);
    const cs = getComputedStyle(document.documentElement);
    let lo = Infinity, hi = -Infinity;
    for (const [i, j] of ps) { lo = Math.min(lo, A![k][i], B![k][j]); hi = Math.max(hi, A![k][i], B![k][j]); }
    if (!(hi > lo)) { lo -= 1; hi += 1; }
    const sx = (v: number) => m + ((v - lo) / (hi - lo)) * (W - 2 * m), sy = (v: number) => H - m - ((v - lo) / (hi - lo)) * (H - 2 * m);
    const blue = cs.getPropertyValue('--vscode-charts-blue').trim() || '#3794ff';
    rasterPoints(ctx, ps.length, (q) => 2 * sx(A![k][ps[q][0]]), (q) => 2 * sy(B![k][ps[q][1]]), () => 0, [blue], ps.length > 5000 ? 0.35 : 0.8);
    ctx.strokeStyle = cs.getPropertyValue('--vscode-editorWidget-border').trim() || '#d4d4d4';
    ctx.strokeRect(m, m, W - 2 * m, H - 2 * m);
    ctx.beginPath(); ctx.moveTo(sx(lo), sy(lo)); ctx.lineTo(sx(hi), sy(hi)); ctx.stroke(); // no change
    ctx.fillStyle = cs.getPropertyValue('--vscode-descriptionForeground').trim() || '#6b6b6b';
    ctx.font = '10px sans-serif';
    ctx.fillText(`${lo.toFixed(2)} … ${hi.toFixed(2)} nats`, m, H - 8);
  }

  function moved(host: HTMLElement, ps: Array<[number, number]>): void {
    const k = state.key;
    const box = el('section', { class: 'moved' });
    box.append(el('h2', {}, `Samples whose ${k} moved most`));
    const top = [...ps].sort((p, q) => Math.abs(B![k][q[1]] - A![k][q[0]]) - Math.abs(B![k][p[1]] - A![k][p[0]]) || p[0] - q[0]).slice(0, 20);
    const table = el('table');
    table.append(headerRow(['sample', 'class', `${k} at A`, `${k} at B`, 'change']));
    for (const [i, j] of top) {
      const d = B![k][j] - A![k][i];
      const tr = el('tr', { class: 'moved-row', 'data-index': String(idx(A!, i)), tabindex: '0' });
      tr.append(el('td', { class: 'num' }, String(idx(A!, i))), el('td', {}, A!.classNames?.[A!.y[i]] ?? String(A!.y[i])),
        el('td', { class: 'num' }, A![k][i].toFixed(3)), el('td', { class: 'num' }, B![k][j].toFixed(3)), el('td', { class: 'num' }, `${d >= 0 ? '+' : ''}${d.toFixed(3)}`));
      // The explorer of B, at this sample: its other values and its neighbours in context.
      const open = () => vscode.postMessage({ type: 'openCheckpoint', run: B!.run, file: B!.file, sample: idx(B!, j) });
      tr.addEventListener('click', open);
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(); });
      table.append(tr);
    }
    box.append(table);
    host.append(box);
  }

  function classes(host: HTMLElement): void {
    const K = UPPER[state.key];
    const box = el('section', { class: 'classes' });
    box.append(el('h2', {}, `Per class: ${K} at A and B`));
    const table = el('table');
    table.append(headerRow(['class', 'A', 'B', 'change']));
    const bByClass = new Map(B!.perClass.map((c) => [c.class, c]));
    for (const c of A!.perClass) {
      const b = bByClass.get(c.class);
      if (!b) continue;
      const tr = el('tr', { 'data-class': String(c.class) });
      tr.append(el('td', {}, c.name ?? A!.classNames?.[c.class] ?? String(c.class)), el('td', { class: 'num' }, c[K].toFixed(3)),
        el('td', { class: 'num' }, b[K].toFixed(3)), el('td', { class: 'num' }, `${b[K] - c[K] >= 0 ? '+' : ''}${(b[K] - c[K]).toFixed(3)}`));
      table.append(tr);
    }
    box.append(table);
    host.append(box);
  }

  function render(): void {
    const app = root;
    app.replaceChildren();
    const header = el('header');
    header.append(el('h1', {}, 'Compare'), el('span', { class: 'legend legend-a' }, `A: ${label(A!)}`), el('span', { class: 'legend legend-b' }, `B: ${label(B!)}`));
    app.append(header);
    const ps = pairs();
    const grid = el('div', { class: 'layout' });
    const left = el('div'), right = el('div');
    bars(left);
    classes(left);
    scatter(right, ps);
    moved(right, ps);
    grid.append(left, right);
    app.append(grid);
    if (!ps.length) app.append(el('p', { class: 'note' }, 'The two checkpoints share no samples, so only the summaries are compared.'));
  }

  // The canvas reads theme colours when it draws: VS Code marks a theme switch on body's class.
  new MutationObserver(() => { if (A && B) render(); }).observe(document.body, { attributes: true, attributeFilter: ['class'] });

  return (m) => {
    if (m.type === 'init' && m.view === 'compare') {
      A = m.a; B = m.b;
      state = { ...state, a: A.file, b: B.file };
      vscode.setState(state);
      render();
    }
  };
};
